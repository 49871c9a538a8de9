package io.lessr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lessr.model.EngineSettings;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tech.tablesaw.api.Table;

class MainTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void engine() {
        EngineSettings.configureDefaults();
    }

    private record Result(int exit, String err) {}

    private static Result run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Result(exit, err.toString());
    }

    @Test
    void badDatasetGivesOneLineNamingFileAndLineNotAStackTrace() throws IOException {
        Path d = tmp.resolve("bad");
        Files.createDirectories(d);
        Files.writeString(d.resolve("num_items.txt"), "5");
        Files.writeString(d.resolve("train.txt"), "0,1\n1,7\n");
        Files.writeString(d.resolve("test.txt"), "0,1\n");
        Result r = run("train", "--dataset-dir", d.toString(), "--device", "cpu");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("train.txt:2: item id 7 is outside [0, 5)"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void synthThenTrainWritesThePerEpochCsv() throws IOException {
        Path d = tmp.resolve("synthetic");
        assertEquals(0, run("synth", "--out", d.toString(), "--num-items", "60", "--num-train", "300",
                "--num-test", "60").exit());
        Path csv = tmp.resolve("out/metrics.csv");
        Result r = run("train", "--dataset-dir", d.toString(), "--epochs", "2", "--batch-size", "128",
                "--embedding-dim", "8", "--Ks", "5,10", "--device", "cpu", "--metrics-out", csv.toString());
        assertEquals(0, r.exit(), r.err());
        Table t = Table.read().csv(csv.toFile());
        assertEquals(2, t.rowCount());
        assertEquals(java.util.List.of("epoch", "mean_loss", "train_seconds", "eval_seconds",
                "HR@5", "MRR@5", "NDCG@5", "HR@10", "MRR@10", "NDCG@10"), t.columnNames());
        // One thread: the same losses and metrics as the default's lanes.
        Path oneThread = tmp.resolve("out/one-thread.csv");
        assertEquals(0, run("train", "--dataset-dir", d.toString(), "--epochs", "2", "--batch-size", "128",
                "--embedding-dim", "8", "--Ks", "5,10", "--device", "cpu", "--threads", "1",
                "--metrics-out", oneThread.toString()).exit());
        Table u = Table.read().csv(oneThread.toFile());
        for (String column : java.util.List.of("mean_loss", "HR@5", "MRR@5", "NDCG@5", "HR@10", "MRR@10", "NDCG@10")) {
            assertEquals(t.column(column).asList(), u.column(column).asList(), column);
        }
        Result bad = run("train", "--dataset-dir", d.toString(), "--threads", "3");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().startsWith("error: ") && bad.err().contains("threads must be 1 to 2, got 3")
                && !bad.err().contains("\tat "), bad.err());
    }

    @Test
    void synthRawThenPreprocessThenTrain() throws IOException {
        Path raw = tmp.resolve("raw/train-item-views.csv");
        assertEquals(0, run("synth", "--raw", "diginetica", "--clicks", "20000", "--out", raw.toString()).exit());
        Path d = tmp.resolve("datasets/diginetica");
        Result r = run("preprocess", "--dataset", "diginetica", "--file", raw.toString(), "--dataset-dir", d.toString());
        assertEquals(0, r.exit(), r.err());
        Result t = run("train", "--dataset-dir", d.toString(), "--epochs", "1", "--embedding-dim", "8", "--num-layers", "1",
                "--device", "cpu");
        assertEquals(0, t.exit(), t.err());
        Files.writeString(raw, "sessionId;userId;itemId;timeframe;eventdate\n1;;2;0;2016-01-01\n1;;3;0;01/02/2016\n");
        Result bad = run("preprocess", "-d", "diginetica", "-f", raw.toString(), "--dataset-dir", d.toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("train-item-views.csv:3: eventdate"), bad.err());
        assertFalse(bad.err().contains("\tat "), bad.err());
        assertTrue(Files.exists(d.resolve("train.txt")), "the earlier dataset stays");
    }

    @Test
    void downloadFromAnUnreachableMirrorIsOneLineAndWritesNothing() throws IOException {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path d = tmp.resolve("sample");
        Result r = run("download", "--url", "http://127.0.0.1:" + port + "/sample", "--dataset-dir", d.toString(),
                "--timeout", "2");
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("error: cannot download http://127.0.0.1:" + port + "/sample/num_items.txt: "), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(d));
    }
}

package io.lessr.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lessr.data.SyntheticSessions;
import io.lessr.model.EngineSettings;
import io.lessr.model.SavedModel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Checkpoints that cannot lie: each file of the newest checkpoint flipped, truncated or removed; resuming
 * refuses it, names the file, falls back to the one before and ends exactly as an uninterrupted run; with no
 * good checkpoint left it refuses with one line. Also: --save-dir keeps the best epoch's model.
 */
class CheckpointTest {
    @TempDir
    static Path tmp;

    static Path data;
    static Path template;
    static List<String> straight;

    private static final String[] SETTINGS = {"--batch-size", "64", "--embedding-dim", "8", "--patience", "5",
            "--seed", "3", "--device", "cpu", "--Ks", "5,20"};

    @BeforeAll
    static void twoEpochsWithCheckpointsAndAStraightThreeEpochRun() throws Exception {
        EngineSettings.configureDefaults();
        data = tmp.resolve("data");
        SyntheticSessions.write(new SyntheticSessions.Settings(120, 600, 100, 5, 1.0, 3, 0.6, 0.1, 9), data);
        template = tmp.resolve("template");
        assertEquals(0, train("--epochs", "2", "--checkpoint-dir", template.toString()).exit);
        assertTrue(Files.isDirectory(template.resolve("epoch-0000")) && Files.isDirectory(template.resolve("epoch-0001")),
                "the last two checkpoints are kept");
        Path csv = tmp.resolve("straight.csv");
        assertEquals(0, train("--epochs", "3", "--metrics-out", csv.toString()).exit);
        straight = withoutTimings(csv);
    }

    private record Result(int exit, String out, String err) {}

    private static Result train(String... args) {
        List<String> all = new ArrayList<>(List.of("train"));
        all.addAll(List.of(args));
        if (!all.contains("--resume")) {
            all.addAll(List.of("--dataset-dir", data.toString()));
            all.addAll(List.of(SETTINGS));
        }
        CommandLine cl = io.lessr.cli.MainAccess.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int exit = cl.execute(all.toArray(String[]::new));
            return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    static Stream<Arguments> damages() {
        List<Arguments> all = new ArrayList<>();
        for (String file : List.of("model.params", "model.json", "optimizer.bin", "state.json", "checksums.sha256")) {
            for (String damage : List.of("flip", "truncate", "remove")) {
                all.add(Arguments.of(file, damage));
            }
        }
        return all.stream();
    }

    private static void damage(Path file, String how) throws IOException {
        switch (how) {
            case "flip" -> {
                byte[] b = Files.readAllBytes(file);
                b[b.length / 2] ^= 0x01;
                Files.write(file, b);
            }
            case "truncate" -> {
                byte[] b = Files.readAllBytes(file);
                Files.write(file, java.util.Arrays.copyOf(b, b.length - 7));
            }
            default -> Files.delete(file);
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("damages")
    void aDamagedCheckpointIsRefusedAndTheRunResumesExactlyFromThePreviousOne(String file, String how) throws Exception {
        Path dir = io.lessr.TestFiles.copyTree(template, tmp.resolve("damaged-" + file + "-" + how));
        damage(dir.resolve("epoch-0001").resolve(file), how);
        Path csv = tmp.resolve("resumed-" + file + "-" + how + ".csv");
        Result r = train("--resume", dir.toString(), "--epochs", "3", "--metrics-out", csv.toString());
        assertEquals(0, r.exit, r.err);
        assertTrue(r.out.contains("checkpoint refused: " + dir.resolve("epoch-0001")), r.out);
        assertTrue(r.out.contains("resuming after epoch 0 from " + dir.resolve("epoch-0000")), r.out);
        assertEquals(straight, withoutTimings(csv), "the resumed run ends exactly as the uninterrupted one");
        assertTrue(Files.isDirectory(dir.resolve("epoch-0002")), "--resume DIR writes its checkpoints into DIR");
    }

    @Test
    void withNoGoodCheckpointLeftResumingRefusesWithOneLine() throws Exception {
        Path dir = io.lessr.TestFiles.copyTree(template, tmp.resolve("all-damaged"));
        damage(dir.resolve("epoch-0001/optimizer.bin"), "flip");
        damage(dir.resolve("epoch-0000/model.params"), "truncate");
        Result r = train("--resume", dir.toString(), "--epochs", "3");
        assertEquals(2, r.exit);
        assertTrue(r.err.startsWith("error: no usable checkpoint in " + dir), r.err);
        assertTrue(r.err.contains(dir.resolve("epoch-0001/optimizer.bin") + " does not match its checksum"), r.err);
        assertTrue(r.err.contains(dir.resolve("epoch-0000/model.params").toString()), r.err);
        assertEquals(1, r.err.strip().lines().count(), r.err);
    }

    @Test
    void saveDirKeepsTheBestEpochsModelAndSaveLastTheLast() throws Exception {
        Path best = tmp.resolve("best");
        Path last = tmp.resolve("last");
        Path csv = tmp.resolve("best-run.csv");
        // A learning rate this large overshoots: the best HR@20 comes before the last epoch.
        Result r = train("--epochs", "6", "--lr", "0.2", "--save-dir", best.toString(), "--save-last", last.toString(),
                "--metrics-out", csv.toString());
        assertEquals(0, r.exit, r.err);
        List<String> rows = Files.readAllLines(csv);
        int hr20 = List.of(rows.get(0).split(",")).indexOf("HR@20");
        int bestEpoch = 0;
        double bestValue = -1;
        for (int i = 1; i < rows.size(); i++) {
            double v = Double.parseDouble(rows.get(i).split(",")[hr20]);
            if (v > bestValue) {
                bestValue = v;
                bestEpoch = Integer.parseInt(rows.get(i).split(",")[0]);
            }
        }
        int lastEpoch = rows.size() - 2;
        assertNotEquals(lastEpoch, bestEpoch, "this run's best epoch is not its last: " + rows);
        var info = SavedModel.info(best);
        assertEquals(bestEpoch, info.get("epoch").getAsInt(), "model.json records the best epoch");
        assertEquals("HR@20", info.get("selectedBy").getAsString());
        assertEquals(bestValue, info.getAsJsonObject("metrics").get("HR@20").getAsDouble(), 1e-12);
        assertEquals(lastEpoch, SavedModel.info(last).get("epoch").getAsInt());
        assertFalse(Files.readString(best.resolve("model.json")).contains(sha(last)), "different parameters");
        assertTrue(r.out.contains("saved the model of epoch " + bestEpoch + " (best HR@20)"), r.out);
    }

    private static String sha(Path modelDir) throws IOException {
        var meta = com.google.gson.JsonParser.parseString(Files.readString(modelDir.resolve("model.json"))).getAsJsonObject();
        return meta.get("paramsSha256").getAsString();
    }

    /** The CSV without the timing columns (train_seconds, eval_seconds). */
    static List<String> withoutTimings(Path csv) throws IOException {
        return Files.readAllLines(csv).stream().map(line -> {
            List<String> kept = new ArrayList<>(List.of(line.split(",")));
            kept.remove(3);
            kept.remove(2);
            return String.join(",", kept);
        }).toList();
    }
}

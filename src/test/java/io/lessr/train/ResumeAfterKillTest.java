package io.lessr.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lessr.data.SyntheticSessions;
import io.lessr.model.EngineSettings;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A training process killed with SIGKILL in the middle of an epoch resumes to the uninterrupted result. */
class ResumeAfterKillTest {
    @TempDir
    Path tmp;

    private static final String[] SETTINGS = {"--epochs", "5", "--batch-size", "64", "--embedding-dim", "16",
            "--patience", "5", "--seed", "7", "--device", "cpu", "--num-workers", "2", "--Ks", "5,20"};

    @Test
    void resumeAfterKill9GivesTheUninterruptedMetrics() throws Exception {
        EngineSettings.configureDefaults();
        Path data = tmp.resolve("data");
        SyntheticSessions.write(new SyntheticSessions.Settings(200, 1500, 200, 5, 1.0, 3, 0.6, 0.1, 5), data);

        Path checkpoints = tmp.resolve("checkpoints");
        Process child = startTraining(data, checkpoints);
        try {
            // Kill once the second checkpoint is written, while epoch 2 runs.
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (!Files.isDirectory(checkpoints.resolve("epoch-0001")) && child.isAlive()) {
                assertTrue(System.nanoTime() < deadline, "no checkpoint within 3 minutes");
                Thread.sleep(20);
            }
            Thread.sleep(150);
            assertTrue(child.isAlive(), "the run ended before it could be killed: " + Files.readString(tmp.resolve("child.log")));
        } finally {
            child.destroyForcibly(); // SIGKILL on Linux, as kill -9
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        Checkpoint.Loaded last = Checkpoint.latest(checkpoints, System.out);
        assertTrue(last.state().epoch() < 4, "the kill came before the end");

        Path resumedCsv = tmp.resolve("resumed.csv");
        assertEquals(0, run("train", "--resume", checkpoints.toString(), "--metrics-out", resumedCsv.toString()));
        Path straightCsv = tmp.resolve("straight.csv");
        List<String> args = new ArrayList<>(List.of("train", "--dataset-dir", data.toString(),
                "--metrics-out", straightCsv.toString()));
        args.addAll(List.of(SETTINGS));
        assertEquals(0, run(args.toArray(String[]::new)));

        assertEquals(6, Files.readAllLines(straightCsv).size(), "header and 5 epochs");
        assertEquals(withoutTimings(straightCsv), withoutTimings(resumedCsv), "loss and every metric, to the last digit");
    }

    /** The CSV as text without the two timing columns (epoch, mean_loss, train_seconds, eval_seconds, metrics...). */
    private static List<String> withoutTimings(Path csv) throws IOException {
        return Files.readAllLines(csv).stream().map(line -> {
            String[] f = line.split(",");
            List<String> kept = new ArrayList<>(List.of(f));
            kept.remove(3);
            kept.remove(2);
            return String.join(",", kept);
        }).toList();
    }

    private Process startTraining(Path data, Path checkpoints) throws IOException {
        List<String> args = new ArrayList<>(List.of("train", "--dataset-dir", data.toString(),
                "--checkpoint-dir", checkpoints.toString()));
        args.addAll(List.of(SETTINGS));
        File log = tmp.resolve("child.log").toFile();
        return new ProcessBuilder(io.lessr.cli.MainAccess.inNewJvm(args)).redirectErrorStream(true).redirectOutput(log).start();
    }

    private static int run(String... args) {
        return io.lessr.cli.MainAccess.commandLine().execute(args);
    }
}

package io.lessr.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lessr.data.preprocess.RawDataset;
import io.lessr.data.preprocess.SyntheticRawLog;
import io.lessr.serve.Recommender;
import io.lessr.serve.Recommender.Recommendation;

import ai.djl.Device;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kit's Spark jobs on a standalone cluster of a master and two workers in JVMs of their own,
 * submitted as {@code spark-submit --class io.lessr.cli.SparkMain} would submit them.
 */
@TestMethodOrder(OrderAnnotation.class)
class SparkClusterTest {
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) sessions in .* over (\\d+) partitions; the model was loaded (\\d+) time");

    @TempDir
    static Path root;

    static StandaloneCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = StandaloneCluster.start(root, 2);
        cluster.awaitWorkers(2, 90);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String run(String name, String... args) throws Exception {
        Path log = root.resolve(name + ".log");
        Process p = cluster.submit(log, List.of(), "io.lessr.cli.SparkMain", args);
        assertTrue(p.waitFor(240, TimeUnit.SECONDS), name + " did not finish: see " + log);
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), name + " failed:\n" + tail(out));
        return out;
    }

    private static String tail(String log) {
        List<String> lines = log.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /** The top-20 lines {@code recommend --input} would print, from an in-process Recommender. */
    private static List<String> expectedLines(List<List<Integer>> sessions) {
        try (Recommender r = Recommender.load(SampleSizeModel.get().model, Device.cpu(), 2, 256)) {
            List<String> lines = new ArrayList<>();
            List<List<Recommendation>> top = r.recommendAll(sessions, 20, false);
            for (int i = 0; i < top.size(); i++) {
                lines.add((i + 1) + "\t" + Recommendation.toText(top.get(i)));
            }
            return lines;
        }
    }

    /** Whether Spark has set up the write into the job's hidden temporary output folder. */
    private static boolean writing(Path dir, String target) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().startsWith("." + target + ".tmp-") && Files.exists(f.resolve("_temporary")));
        }
    }

    private static List<String> readParts(Path dir) throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> parts = Files.list(dir)) {
            for (Path part : parts.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
                lines.addAll(Files.readAllLines(part));
            }
        }
        return lines;
    }

    @Test
    @Order(1)
    void batchRecommendationOnTwoWorkersEqualsRecommender() throws Exception {
        SampleSizeModel m = SampleSizeModel.get();
        Path input = m.writePrefixes(root.resolve("prefixes.txt"), false);
        Path output = root.resolve("top");
        String log = run("recommend", "recommend", "--model", m.model.toString(), "--input", input.toString(),
                "--output", output.toString(), "--output-format", "text", "--partitions", "8");
        Matcher s = SUMMARY.matcher(log);
        assertTrue(s.find(), tail(log));
        assertEquals(m.prefixes.size(), Integer.parseInt(s.group(1)));
        assertEquals(8, Integer.parseInt(s.group(2)));
        int loads = Integer.parseInt(s.group(3));
        assertTrue(loads >= 1 && loads <= 2, "the model is loaded once per executor JVM, not per partition: " + loads);
        RecommendationLines.assertSame(expectedLines(m.prefixes), readParts(output));
    }

    @Test
    @Order(2)
    void preprocessingOnTwoWorkersGivesTheBytesOfPreprocess() throws Exception {
        Path raw = root.resolve("lastfm.tsv");
        SyntheticRawLog.write(RawDataset.LASTFM, 40_000, 11, raw);
        Path single = root.resolve("lastfm-single");
        RawDataset.LASTFM.preprocess(raw, single, 1500, new PrintStream(new ByteArrayOutputStream()));
        Path spark = root.resolve("lastfm-spark");
        run("preprocess", "preprocess", "-d", "lastfm", "-f", raw.toString(), "--dataset-dir", spark.toString(), "--top-items", "1500");
        for (String f : List.of("train.txt", "test.txt", "num_items.txt")) {
            assertEquals(-1L, Files.mismatch(single.resolve(f), spark.resolve(f)), f);
        }
    }

    /** A worker and its executor are killed while the job runs; Spark runs their tasks again on the other one. */
    @Test
    @Order(3)
    void jobCompletesWhenAWorkerIsKilledMidJob() throws Exception {
        SampleSizeModel m = SampleSizeModel.get();
        List<List<Integer>> sessions = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            sessions.addAll(m.prefixes);
        }
        Path input = root.resolve("many.txt");
        List<String> lines = new ArrayList<>();
        for (List<Integer> s : sessions) {
            lines.add(String.join(",", s.stream().map(String::valueOf).toList()));
        }
        Files.write(input, lines);
        Path output = root.resolve("top-after-kill");
        Path log = root.resolve("kill.log");
        Process p = cluster.submit(log, List.of(), "io.lessr.cli.SparkMain", "recommend", "--model", m.model.toString(),
                "--input", input.toString(), "--output", output.toString(), "--output-format", "text", "--partitions", "24",
                "--batch", "32");
        // Kill once the writing job, which scores, has begun (its temporary folder exists) on both executors.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!writing(root, output.getFileName().toString()) || cluster.executors() < 2) {
            assertTrue(System.nanoTime() < deadline && p.isAlive(), "the job never started writing:\n" + tail(Files.readString(log)));
            Thread.sleep(50);
        }
        Thread.sleep(500);
        assertTrue(p.isAlive() && !Files.exists(output), "the job must still be running when the worker is killed");
        cluster.killWorker(0);
        assertTrue(p.waitFor(240, TimeUnit.SECONDS), "the job did not finish after the kill");
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), tail(out));
        assertTrue(out.contains("Lost executor") || out.contains("ExecutorLostFailure") || out.contains("worker lost"),
                "the driver saw the executor go:\n" + tail(out));
        RecommendationLines.assertSame(expectedLines(sessions), readParts(output));
    }
}

package io.lessr.spark;

import io.lessr.cli.MainAccess;
import io.lessr.data.AugmentedDataset;
import io.lessr.data.SessionDataset;
import io.lessr.data.SyntheticSessions;
import io.lessr.data.preprocess.RawDataset;
import io.lessr.data.preprocess.SyntheticRawLog;
import io.lessr.serve.Recommender;

import ai.djl.Device;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Throughput of the Spark jobs on a standalone cluster of one and of two workers (one core each)
 * against one JVM: batch recommendation in sessions/s with the walkthrough's model on a dataset of
 * the sample's size, and preprocessing of a synthetic Last.fm log. Not part of {@code mvn test}:
 * {@code mvn test -Dtest=SparkThroughputBenchmark -Dlessr.excluded.groups=none}; {@code -Dlessr.bench.lastfm.rows=19000000
 * -Dlessr.bench.preprocess.only=true -Dlessr.bench.workers=2 -Dlessr.spark.executor.mib=4096} for the Last.fm-size log.
 */
@Tag("benchmark")
class SparkThroughputBenchmark {
    @TempDir
    Path root;

    @Test
    void throughput() throws Exception {
        Path dataset = root.resolve("dataset");
        Path model = root.resolve("model");
        SyntheticSessions.write(new SyntheticSessions.Settings(3429, 9381, 1465, 4.0, 1.0, 3, 0.6, 0.1, 7), dataset);
        MainAccess.commandLine().execute("train", "--dataset-dir", dataset.toString(), "--epochs", "1", "--save-dir", model.toString());
        AugmentedDataset test = new AugmentedDataset(SessionDataset.read(dataset).testSessions());
        // Two sizes: the difference of their times is the cluster's rate without its start-up.
        int[] copies = {20, Integer.getInteger("lessr.bench.copies", 100)};
        List<List<Integer>> sessions = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        Path[] inputs = new Path[2];
        for (int c = 0; c < copies[1]; c++) {
            for (int i = 0; i < test.size(); i++) {
                List<Integer> s = Arrays.stream(test.prefix(i)).boxed().toList();
                sessions.add(s);
                lines.add(String.join(",", s.stream().map(String::valueOf).toList()));
            }
            if (c + 1 == copies[0]) {
                inputs[0] = Files.write(root.resolve("sessions-small.txt"), lines);
            }
        }
        inputs[1] = Files.write(root.resolve("sessions.txt"), lines);
        boolean recommend = !Boolean.getBoolean("lessr.bench.preprocess.only");
        int[] workerCounts = Arrays.stream(System.getProperty("lessr.bench.workers", "1,2").split(",")).mapToInt(Integer::parseInt).toArray();
        for (int workers : recommend ? new int[] {1, 2} : new int[0]) {
            try (Recommender r = Recommender.load(model, Device.cpu(), workers, 256)) {
                r.recommendAll(sessions.subList(0, 5000), 20, false);
                long t = System.nanoTime();
                r.recommendAll(sessions, 20, false);
                double s = (System.nanoTime() - t) / 1e9;
                System.out.printf("BENCH one JVM Recommender, %d worker thread(s): %d sessions in %.1f s = %.0f sessions/s%n",
                        workers, sessions.size(), s, sessions.size() / s);
            }
        }
        long rows = Long.getLong("lessr.bench.lastfm.rows", 2_000_000L);
        Path raw = root.resolve("lastfm.tsv");
        SyntheticRawLog.write(RawDataset.LASTFM, rows, 1, raw);
        long t0 = System.nanoTime();
        RawDataset.LASTFM.preprocess(raw, root.resolve("lastfm-single"), new PrintStream(new ByteArrayOutputStream()));
        System.out.printf("BENCH preprocess (one JVM): %d rows in %.1f s%n", rows, (System.nanoTime() - t0) / 1e9);
        for (int numWorkers : workerCounts) {
            try (StandaloneCluster cluster = StandaloneCluster.start(root.resolve("cluster-" + numWorkers), numWorkers)) {
                cluster.awaitWorkers(numWorkers, 90);
                double[] seconds = new double[2];
                for (int run = 0; run < (recommend ? 2 : 0); run++) {
                    Path log = root.resolve("rec-" + numWorkers + "-" + run + ".log");
                    long t = System.nanoTime();
                    Process p = cluster.submit(log, List.of(), "io.lessr.cli.SparkMain", "recommend", "--model", model.toString(),
                            "--input", inputs[run].toString(), "--output", root.resolve("out-" + numWorkers + "-" + run).toString(),
                            "--partitions", Integer.toString(4 * numWorkers));
                    p.waitFor(30, TimeUnit.MINUTES);
                    seconds[run] = (System.nanoTime() - t) / 1e9;
                    String summary = Files.readAllLines(log).stream().filter(l -> l.contains("sessions/s")).findFirst().orElse("failed: " + log);
                    System.out.printf("BENCH cluster, %d worker(s): %s; %.1f s with the driver JVM's start%n", numWorkers, summary, seconds[run]);
                }
                double extra = (double) test.size() * (copies[1] - copies[0]);
                if (recommend) {
                    System.out.printf("BENCH cluster, %d worker(s): %.0f sessions/s past start-up (%.0f more sessions took %.1f s more)%n",
                            numWorkers, extra / (seconds[1] - seconds[0]), extra, seconds[1] - seconds[0]);
                }
                Path log = root.resolve("pre-" + numWorkers + ".log");
                long t = System.nanoTime();
                Process p = cluster.submit(log, List.of("spark.sql.shuffle.partitions=" + 4 * numWorkers), "io.lessr.cli.SparkMain",
                        "preprocess", "-d", "lastfm", "-f", raw.toString(), "--dataset-dir", root.resolve("lastfm-" + numWorkers).toString());
                p.waitFor(60, TimeUnit.MINUTES);
                boolean same = Files.mismatch(root.resolve("lastfm-single/train.txt"), root.resolve("lastfm-" + numWorkers + "/train.txt")) == -1
                        && Files.mismatch(root.resolve("lastfm-single/test.txt"), root.resolve("lastfm-" + numWorkers + "/test.txt")) == -1;
                System.out.printf("BENCH cluster preprocess, %d worker(s): %d rows in %.1f s with submission (exit %d, same bytes: %s)%n",
                        numWorkers, rows, (System.nanoTime() - t) / 1e9, p.exitValue(), same);
            }
        }
    }
}

package io.lessr.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.lessr.data.AugmentedDataset;
import io.lessr.data.SyntheticSessions;
import io.lessr.model.Lessr;
import io.lessr.model.EngineSettings;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrainRunnerTest {
    private static List<int[]> train;
    private static List<int[]> test;

    @BeforeAll
    static void data() {
        EngineSettings.configureDefaults();
        SyntheticSessions gen = new SyntheticSessions(
                new SyntheticSessions.Settings(150, 1, 1, 5, 1.0, 2, 0.8, 0.05, 11));
        train = gen.sessions(800);
        test = gen.sessions(150);
    }

    private record Run(List<EpochResult> history, String output) {}

    private static Run run(long seed, int epochs) {
        return run(seed, epochs, 0);
    }

    /** threads: the lanes' threads, 0 for the default. */
    private static Run run(long seed, int epochs, int threads) {
        return run(seed, epochs, threads, false);
    }

    /** headStart: the first epoch's batches started before the model exists, as the command line does. */
    private static Run run(long seed, int epochs, int threads, boolean headStart) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RunSpec o = RunSpec.builder().lr(1e-2).batchSize(128).epochs(epochs).ks(List.of(5, 20)).logInterval(10)
                .embeddingDim(16).seed(seed).build();
        AugmentedDataset trainSet = new AugmentedDataset(train);
        AugmentedDataset testSet = new AugmentedDataset(test);
        try (EpochBatches batches = headStart ? new EpochBatches(trainSet, testSet, o).start(0) : null;
                NDManager manager = NDManager.newBaseManager()) {
            Lessr model = Lessr.create(o.config(150), manager, seed);
            TrainRunner runner = new TrainRunner(model, manager, trainSet, testSet,
                    o, new PrintStream(bytes, true, StandardCharsets.UTF_8));
            if (threads > 0) {
                runner.laneThreads(threads);
            }
            if (batches != null) {
                runner.batches(batches);
            }
            runner.train();
            return new Run(runner.history(), bytes.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void learnsTheSequentialPatternsAndPrintsTheWalkthroughTables() {
        Run r = run(1, 4);
        List<EpochResult> h = r.history();
        assertTrue(h.size() >= 3, "ran " + h.size() + " epochs");
        assertTrue(h.get(h.size() - 1).meanLoss() < h.get(0).meanLoss(), "loss falls: " + h);
        // Each item has 2 strong successors among 150 items: a learner beats 5/150 by far.
        double hr20 = h.stream().mapToDouble(e -> e.metrics().get("HR@20")).max().orElseThrow();
        assertTrue(hr20 > 0.5, "HR@20 " + hr20);
        assertTrue(r.output().contains("Batch 10: Loss = "), r.output());
        assertTrue(r.output().contains("\nEpoch 0:\nMetric\tHR@5\tMRR@5\tNDCG@5\tHR@20\tMRR@20\tNDCG@20\nValue\t"), r.output());
        assertTrue(r.output().contains("\nBest results\nMetric\tHR@5"), r.output());
        assertTrue(r.output().contains("\nEpoch\t"), r.output());
    }

    @Test
    void trainingAndEvaluationLeaveNoArraysBehind() {
        RunSpec o = RunSpec.builder().lr(1e-2).batchSize(128).epochs(2).ks(List.of(20)).patience(5).logInterval(10)
                .embeddingDim(16).seed(3).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            Lessr model = Lessr.create(o.config(150), manager, 3);
            TrainRunner runner = new TrainRunner(model, manager, new AugmentedDataset(train), new AugmentedDataset(test),
                    o, new PrintStream(java.io.OutputStream.nullOutputStream()));
            int before = ((ai.djl.ndarray.BaseNDManager) manager).getManagedArrays().size();
            runner.train();
            runner.evaluate();
            assertEquals(before, ((ai.djl.ndarray.BaseNDManager) manager).getManagedArrays().size(),
                    "arrays created per batch must die with the batch's sub-manager");
        }
    }

    @Test
    void theSameSeedRepeatsTheRunExactlyOnCpuOnOneThreadOrTwo() {
        // Two threads twice (their timing differs from run to run) and one thread: every loss and
        // metric the same to the last bit, and the printed tables the same digits.
        Run first = run(5, 2, 2);
        for (Run again : List.of(run(5, 2, 2), run(5, 2, 1))) {
            List<EpochResult> a = first.history();
            List<EpochResult> b = again.history();
            assertEquals(a.size(), b.size());
            for (int i = 0; i < a.size(); i++) {
                assertEquals(a.get(i).meanLoss(), b.get(i).meanLoss(), "epoch " + i + " loss");
                assertEquals(a.get(i).metrics(), b.get(i).metrics(), "epoch " + i + " metrics");
            }
            assertEquals(tables(first.output()), tables(again.output()));
        }
        List<EpochResult> a = first.history();
        Map<String, Double> other = run(6, 2, 2).history().get(1).metrics();
        assertTrue(!other.equals(a.get(1).metrics()), "another seed gives another run");
    }

    @Test
    void batchesStartedBeforeTheModelGiveTheSameRun() {
        Run plain = run(7, 2, 2);
        Run headStart = run(7, 2, 2, true);
        assertEquals(plain.history().size(), headStart.history().size());
        for (int i = 0; i < plain.history().size(); i++) {
            assertEquals(plain.history().get(i).meanLoss(), headStart.history().get(i).meanLoss(), "epoch " + i + " loss");
            assertEquals(plain.history().get(i).metrics(), headStart.history().get(i).metrics(), "epoch " + i + " metrics");
        }
        assertEquals(tables(plain.output()), tables(headStart.output()));
    }

    @Test
    void batchesOfOtherDataOrSettingsAreRefused() {
        RunSpec o = RunSpec.builder().batchSize(128).embeddingDim(16).build();
        AugmentedDataset trainSet = new AugmentedDataset(train);
        AugmentedDataset testSet = new AugmentedDataset(test);
        try (NDManager manager = NDManager.newBaseManager();
                EpochBatches otherSeed = new EpochBatches(trainSet, testSet, o.toBuilder().seed(1).build());
                EpochBatches otherData = new EpochBatches(new AugmentedDataset(train), testSet, o)) {
            TrainRunner runner = new TrainRunner(Lessr.create(o.config(150), manager, 0), manager, trainSet, testSet, o,
                    new PrintStream(java.io.OutputStream.nullOutputStream()));
            for (EpochBatches other : List.of(otherSeed, otherData)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> runner.batches(other));
                assertTrue(e.getMessage().contains("other datasets or settings"), e.getMessage());
            }
        }
    }

    /** The printed output without the elapsed times. */
    private static String tables(String output) {
        return output.replaceAll("Time Elapsed = [0-9.]+s", "");
    }
}

package io.lessr.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.lessr.graph.GraphBatch;
import io.lessr.model.EngineSettings;
import io.lessr.model.Lessr;
import io.lessr.model.LessrConfig;
import io.lessr.model.TorchNames;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Training splits a batch's sessions between the lanes and meets only at batch norm: the loss, every
 * gradient and every running statistic must be the whole-batch pass's up to float rounding (with the
 * same dropout masks), and the same bits on one thread as on two.
 */
class SplitPassTest {
    private static final int NUM_ITEMS = 90;

    @BeforeAll
    static void engine() {
        EngineSettings.configureDefaults();
    }

    /** The loss, the gradient of every trainable parameter and the value of every other (running statistics). */
    private record Pass(float loss, Map<String, float[]> grads, Map<String, float[]> stats) {}

    @Test
    void theSplitPassIsTheWholeBatchPassWithDropoutAndBatchNorm() {
        assertSameUpToRounding(new LessrConfig(NUM_ITEMS, 8, 3, 0.2, true), batch(150, 8, 0));
    }

    @Test
    void withoutBatchNormOrDropoutAndWithOneOrFourLayers() {
        assertSameUpToRounding(new LessrConfig(NUM_ITEMS, 8, 1, 0.0, false), batch(40, 8, 0));
        assertSameUpToRounding(new LessrConfig(NUM_ITEMS, 8, 4, 0.1, true), batch(40, 8, 0));
    }

    @Test
    void aLaneWhoseSessionsHaveNoEdges() {
        // The first half are single items: lane 0's GRUs get no messages and leave no gradient.
        assertSameUpToRounding(new LessrConfig(NUM_ITEMS, 8, 3, 0.2, true), batch(30, 8, 15));
    }

    @Test
    void lanesThatHoldWholeScoringBlocksScoreTheirOwnSessionsWithTheSameBits() {
        // 128 sessions of 90 items: two blocks of 64, one per lane.
        LessrConfig config = new LessrConfig(NUM_ITEMS, 8, 3, 0.2, true);
        GraphBatch batch = batch(128, 8, 0);
        assertSameUpToRounding(config, batch);
        Pass together = pass(config, batch, 2, false);
        for (int threads = 1; threads <= 2; threads++) {
            Pass own = pass(config, batch, threads, true);
            assertEquals(Float.floatToIntBits(together.loss), Float.floatToIntBits(own.loss));
            together.grads.forEach((name, g) -> assertArrayEquals(g, own.grads.get(name), name));
            together.stats.forEach((name, v) -> assertArrayEquals(v, own.stats.get(name), name));
        }
    }

    @Test
    void oneThreadAndTwoGiveTheSameBits() {
        LessrConfig config = new LessrConfig(NUM_ITEMS, 8, 3, 0.2, true);
        GraphBatch batch = batch(150, 8, 0);
        Pass one = pass(config, batch, 1);
        Pass two = pass(config, batch, 2);
        assertEquals(Float.floatToIntBits(one.loss), Float.floatToIntBits(two.loss));
        one.grads.forEach((name, g) -> assertArrayEquals(g, two.grads.get(name), name));
        one.stats.forEach((name, v) -> assertArrayEquals(v, two.stats.get(name), name));
    }

    @Test
    void aBatchTooSmallToSplitIsRefused() {
        assertFalse(SplitPass.splits(1));
        assertTrue(SplitPass.splits(2));
        try (NDManager manager = NDManager.newBaseManager(); Lanes lanes = new Lanes(2)) {
            Lessr model = Lessr.create(new LessrConfig(NUM_ITEMS, 8, 3, 0.0, true), manager, 1);
            GraphBatch one = batch(1, 8, 0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SplitPass.step(model, one, manager, lanes));
            assertEquals("a batch of 1 sessions cannot be split into 2 lanes", e.getMessage());
        }
    }

    private static void assertSameUpToRounding(LessrConfig config, GraphBatch batch) {
        Pass whole = pass(config, batch, 0);
        Pass split = pass(config, batch, 2);
        assertEquals(whole.loss, split.loss, 1e-6 * Math.abs(whole.loss));
        assertEquals(whole.grads.keySet(), split.grads.keySet());
        whole.grads.forEach((name, w) -> assertClose(name, w, split.grads.get(name), 1e-4));
        whole.stats.forEach((name, w) -> assertClose(name, w, split.stats.get(name), 1e-5));
    }

    /** |got - expected| <= tol * max |expected| of the tensor (its scale), element by element. */
    private static void assertClose(String name, float[] expected, float[] got, double tol) {
        double scale = 1e-12;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], got[i], tol * scale, name + "[" + i + "]");
        }
    }

    /**
     * One training pass of a fresh model (the same weights each time): the whole batch by autograd
     * (threads 0), or the split pass on that many threads, dropout drawn from the same seed.
     */
    private static Pass pass(LessrConfig config, GraphBatch batch, int threads) {
        return pass(config, batch, threads, true);
    }

    private static Pass pass(LessrConfig config, GraphBatch batch, int threads, boolean laneScoring) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Lessr model = Lessr.create(config, manager, 11);
            Map<String, Parameter> params = TorchNames.of(model);
            Engine.getInstance().setRandomSeed(5);
            float loss;
            try (NDManager scope = manager.newSubManager(); Lanes lanes = new Lanes(threads == 0 ? 1 : threads)) {
                loss = threads == 0
                        ? TrainRunner.wholeBatchLossAndGradients(model, batch, scope, lanes)
                        : SplitPass.step(model, batch, scope, lanes, laneScoring);
            }
            Map<String, float[]> grads = new TreeMap<>();
            Map<String, float[]> stats = new TreeMap<>();
            params.forEach((name, p) -> {
                if (p.requiresGradient()) {
                    grads.put(name, p.getArray().getGradient().toFloatArray());
                } else {
                    stats.put(name, p.getArray().toFloatArray());
                }
            });
            return new Pass(loss, grads, stats);
        }
    }

    /** {@code sessions} random prefixes of 1 to {@code maxLength} items, the first {@code singles} of one item. */
    private static GraphBatch batch(int sessions, int maxLength, int singles) {
        Random r = new Random(3);
        List<int[]> prefixes = new ArrayList<>();
        int[] labels = new int[sessions];
        for (int i = 0; i < sessions; i++) {
            int[] s = new int[i < singles ? 1 : 1 + r.nextInt(maxLength)];
            for (int k = 0; k < s.length; k++) {
                s[k] = r.nextInt(NUM_ITEMS);
            }
            prefixes.add(s);
            labels[i] = r.nextInt(NUM_ITEMS);
        }
        return GraphBatch.of(prefixes, labels);
    }
}

package io.lessr.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lessr.graph.GraphBatch;
import io.lessr.model.EngineSettings;
import io.lessr.model.Lessr;
import io.lessr.model.LessrConfig;
import io.lessr.model.TorchNames;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Training takes the loss with its gradients in closed form, and evaluation the ranks, a block of
 * {@link Lessr#scoreBlock()} sessions at a time on two lanes; the golden fixture has fewer sessions
 * than a block, so here a batch of several blocks (the last one partial) must give autograd's
 * whole-batch loss, gradients and ranks, and the same bits on one thread as on two.
 */
class BlockScoringTest {
    private static final int NUM_ITEMS = 90;

    @BeforeAll
    static void engine() {
        EngineSettings.configureDefaults();
    }

    /** A loss and every parameter's gradient, by name. */
    private record Pass(float loss, Map<String, float[]> grads) {}

    @Test
    void closedFormLossAndGradientsAreAutogradsOnAnyNumberOfThreads() {
        GraphBatch batch = batch(2 * 64 + 2 * 64 + 21);
        try (NDManager manager = NDManager.newBaseManager()) {
            Lessr model = new Lessr(new LessrConfig(NUM_ITEMS, 8, 3, 0.0, true)).initialize(manager);
            assertEquals(64, model.scoreBlock());
            Pass autograd = pass(model, manager, batch, 0);
            Pass oneThread = pass(model, manager, batch, 1);
            Pass twoThreads = pass(model, manager, batch, 2);
            assertEquals(autograd.loss, oneThread.loss, 1e-6 * Math.abs(autograd.loss));
            assertEquals(autograd.grads.keySet(), oneThread.grads.keySet());
            autograd.grads.forEach((name, whole) -> {
                float[] blocks = oneThread.grads.get(name);
                for (int i = 0; i < whole.length; i++) {
                    assertEquals(whole[i], blocks[i], 1e-5 * (1 + Math.abs(whole[i])), name + "[" + i + "]");
                }
            });
            assertEquals(NUM_ITEMS * 8, autograd.grads.get("embedding.weight").length);
            // The cut into lanes is fixed, so the thread count changes no bit.
            assertEquals(Float.floatToIntBits(oneThread.loss), Float.floatToIntBits(twoThreads.loss));
            oneThread.grads.forEach((name, g) -> assertArrayEquals(g, twoThreads.grads.get(name), name));
        }
    }

    /** A fresh model's eval-mode session representations of a batch, with its labels. */
    private record Eval(Lessr model, ParameterStore ps, NDArray sr, NDArray labels) {
        static Eval of(GraphBatch batch, NDManager manager) {
            Lessr model = new Lessr(new LessrConfig(NUM_ITEMS, 8, 3, 0.0, true)).initialize(manager);
            ParameterStore ps = new ParameterStore(manager, false);
            EngineSettings.noGradOnThisThread();
            return new Eval(model, ps, model.sessionRepresentations(ps, batch.toNDList(manager), false), batch.labels(manager));
        }
    }

    @Test
    void blockwiseRanksAreTheWholeBatchRanks() {
        GraphBatch batch = batch(3 * 64 + 5);
        try (NDManager manager = NDManager.newBaseManager(); Lanes lanes = new Lanes(2)) {
            Eval e = Eval.of(batch, manager);
            long[] whole = TrainRunner.ranks(e.model.scores(e.ps, e.sr, false), e.labels);
            long[] blocks = BlockScoring.ranks(e.model, e.sr, e.labels, lanes).stream()
                    .flatMapToLong(Arrays::stream).toArray();
            assertArrayEquals(whole, blocks);
        }
    }

    /**
     * In eval mode each lane runs the forward pass on its own sessions when they are whole blocks.
     * GEMMs of other heights may round a session's representation differently in the last bit (as a
     * recommender's batches do), so each must be the whole batch's to float precision, and each rank
     * the whole batch's but where the label ties within that precision with the items between the
     * two ranks. A batch whose parts are not whole blocks takes the whole-batch pass: the same ranks.
     */
    @Test
    void eachLanesOwnForwardPassGivesTheWholeBatchsRepresentationsAndRanks() {
        for (int sessions : new int[] {4 * 64, 3 * 64 + 5}) {
            GraphBatch batch = batch(sessions);
            try (NDManager manager = NDManager.newBaseManager(); Lanes lanes = new Lanes(2)) {
                Eval e = Eval.of(batch, manager);
                long[] whole = BlockScoring.ranks(e.model, e.sr, e.labels, lanes).stream().flatMapToLong(Arrays::stream).toArray();
                long[] split = TrainRunner.testRanks(e.model, e.ps, batch, manager, lanes).stream()
                        .flatMapToLong(Arrays::stream).toArray();
                List<GraphBatch> parts = batch.parts(Lanes.COUNT);
                boolean aligned = BlockScoring.lanesAligned(e.model, SplitPass.sizes(parts));
                assertEquals(sessions % 64 == 0, aligned, sessions + " sessions");
                if (!aligned) {
                    assertArrayEquals(whole, split, sessions + " sessions");
                    continue;
                }
                NDList partSrs = new NDList();
                for (GraphBatch part : parts) {
                    partSrs.add(e.model.predictRepresentations(e.ps, part.toNDList(manager)));
                }
                float[] a = e.sr.toFloatArray();
                float[] b = NDArrays.concat(partSrs).toFloatArray();
                for (int i = 0; i < a.length; i++) {
                    assertEquals(a[i], b[i], 1e-5 * (1 + Math.abs(a[i])), "representation value " + i);
                }
                float[] logits = e.model.scores(e.ps, e.sr, false).toFloatArray();
                long[] label = e.labels.toLongArray();
                for (int s = 0; s < sessions; s++) {
                    float at = logits[s * NUM_ITEMS + (int) label[s]];
                    long close = 0;
                    for (int item = 0; item < NUM_ITEMS; item++) {
                        float v = logits[s * NUM_ITEMS + item];
                        close += v != at && Math.abs(v - at) <= 1e-5 * (1 + Math.abs(at)) ? 1 : 0;
                    }
                    assertTrue(Math.abs(whole[s] - split[s]) <= close, "session " + s + ": rank " + whole[s] + " whole, "
                            + split[s] + " split, " + close + " items tie with its label");
                }
            }
        }
    }

    /**
     * A label scored some 100 below the best item has a probability that underflows to 0 in float32: its
     * log-likelihood must still be the finite value log_softmax gives (not the log of the softmax), or
     * the loss would be infinite and training would stop as diverged.
     */
    @Test
    void aLabelWhoseProbabilityUnderflowsStillGivesAFiniteLoss() {
        try (NDManager manager = NDManager.newBaseManager(); Lanes lanes = new Lanes(2)) {
            Lessr model = new Lessr(new LessrConfig(NUM_ITEMS, 8, 3, 0.0, true)).initialize(manager);
            model.renormalizeEmbedding();
            EngineSettings.noGradOnThisThread();
            NDArray embedding = model.embedding().getArray();
            // Each session points far along an item's direction; its label is the item scored lowest.
            int sessions = 70;
            NDArray sr = embedding.get("0:" + sessions).mul(1000f);
            NDArray logits = sr.matMul(embedding.transpose());
            NDArray labels = logits.argMin(1);
            float worstGap = logits.max(new int[] {1}).sub(logits.min(new int[] {1})).min().getFloat();
            assertTrue(worstGap > 110, "the test needs underflowing labels, the smallest gap is " + worstGap);

            float loss = BlockScoring.loss(model, sr, labels, lanes).value();
            float expected = Losses.crossEntropy(logits, labels).getFloat();
            assertTrue(Float.isFinite(loss), "loss " + loss);
            assertEquals(expected, loss, 1e-5 * Math.abs(expected));
        }
    }

    /** One forward and backward pass: autograd over the whole batch (threads 0), or BlockScoring on that many threads. */
    private static Pass pass(Lessr model, NDManager manager, GraphBatch batch, int threads) {
        Map<String, Parameter> params = TorchNames.of(model);
        try (NDManager scope = manager.newSubManager()) {
            NDList graph = batch.toNDList(scope);
            ParameterStore ps = new ParameterStore(scope, false);
            float loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray sr = model.sessionRepresentations(ps, graph, true);
                if (threads == 0) {
                    NDArray lossArray = Losses.crossEntropy(model.scores(ps, sr, true), batch.labels(scope));
                    collector.backward(lossArray);
                    loss = lossArray.getFloat();
                } else {
                    try (Lanes lanes = new Lanes(threads)) {
                        loss = BlockScoring.backward(model, sr, batch.labels(scope), lanes);
                    }
                }
            }
            Map<String, float[]> grads = new TreeMap<>();
            params.forEach((name, p) -> {
                if (p.requiresGradient()) {
                    NDArray grad = p.getArray().getGradient();
                    grads.put(name, grad.toFloatArray());
                    grad.subi(grad); // the next pass accumulates from zero
                }
            });
            return new Pass(loss, grads);
        }
    }

    private static GraphBatch batch(int sessions) {
        Random r = new Random(3);
        List<int[]> prefixes = new ArrayList<>();
        int[] labels = new int[sessions];
        for (int i = 0; i < sessions; i++) {
            int[] s = new int[1 + r.nextInt(8)];
            for (int k = 0; k < s.length; k++) {
                s[k] = r.nextInt(NUM_ITEMS);
            }
            prefixes.add(s);
            labels[i] = r.nextInt(NUM_ITEMS);
        }
        return GraphBatch.of(prefixes, labels);
    }
}

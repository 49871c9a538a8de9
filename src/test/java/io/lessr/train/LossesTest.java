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
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Training takes the loss (and evaluation the ranks) a block of {@link Lessr#scoreBlock()} sessions
 * at a time; the golden fixture has fewer sessions than a block, so here a batch of several blocks
 * (the last one partial) must give the whole-batch loss, gradients and ranks.
 */
class LossesTest {
    @BeforeAll
    static void engine() {
        EngineSettings.configureDefaults();
    }

    @Test
    void blockwiseLossGradientsAndRanksEqualTheWholeBatchOnes() {
        int numItems = 90;
        int sessions = 2 * 64 + 21;
        Random r = new Random(3);
        List<int[]> prefixes = new ArrayList<>();
        int[] labels = new int[sessions];
        for (int i = 0; i < sessions; i++) {
            int[] s = new int[1 + r.nextInt(8)];
            for (int k = 0; k < s.length; k++) {
                s[k] = r.nextInt(numItems);
            }
            prefixes.add(s);
            labels[i] = r.nextInt(numItems);
        }
        GraphBatch batch = GraphBatch.of(prefixes, labels);
        try (NDManager manager = NDManager.newBaseManager()) {
            Lessr model = new Lessr(new LessrConfig(numItems, 8, 3, 0.0, true)).initialize(manager);
            assertEquals(64, model.scoreBlock());
            Map<String, Parameter> params = TorchNames.of(model);
            float[] losses = new float[2];
            List<Map<String, float[]>> grads = new ArrayList<>();
            for (int way = 0; way < 2; way++) {
                try (NDManager scope = manager.newSubManager()) {
                    NDList graph = batch.toNDList(scope);
                    ParameterStore ps = new ParameterStore(scope, false);
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        NDArray sr = model.sessionRepresentations(ps, graph, true);
                        NDArray loss = way == 0
                                ? Losses.crossEntropy(model.scores(ps, sr, true), batch.labels(scope))
                                : Losses.crossEntropy(model, ps, sr, batch.labels(scope), true);
                        collector.backward(loss);
                        losses[way] = loss.getFloat();
                    }
                    Map<String, float[]> g = new HashMap<>();
                    params.forEach((name, p) -> {
                        if (p.requiresGradient()) {
                            NDArray grad = p.getArray().getGradient();
                            g.put(name, grad.toFloatArray());
                            grad.subi(grad); // the next pass accumulates from zero
                        }
                    });
                    grads.add(g);
                }
            }
            assertEquals(losses[0], losses[1], 1e-6 * Math.abs(losses[0]));
            grads.get(0).forEach((name, whole) -> {
                float[] blocks = grads.get(1).get(name);
                for (int i = 0; i < whole.length; i++) {
                    assertEquals(whole[i], blocks[i], 1e-5 * (1 + Math.abs(whole[i])), name + "[" + i + "]");
                }
            });
            assertTrue(grads.get(0).get("embedding.weight").length == numItems * 8);

            try (NDManager scope = manager.newSubManager()) {
                ParameterStore ps = new ParameterStore(scope, false);
                EngineSettings.noGradOnThisThread();
                NDArray sr = model.sessionRepresentations(ps, batch.toNDList(scope), false);
                NDArray labelArray = batch.labels(scope);
                long[] whole = TrainRunner.ranks(model.scores(ps, sr, false), labelArray);
                long[] blocks = model.scoresInBlocks(ps, sr, false, (logits, from) -> TrainRunner.ranks(logits, Losses.rows(labelArray, from, logits)))
                        .stream().flatMapToLong(java.util.Arrays::stream).toArray();
                assertArrayEquals(whole, blocks);
            }
        }
    }
}

package io.lessr.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.engine.Engine;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.lessr.graph.GraphBatch;
import io.lessr.graph.SessionGraph;
import io.lessr.model.GoldenFixture.Tensor;
import io.lessr.train.AdamW;
import io.lessr.train.BlockScoring;
import io.lessr.train.Lanes;
import io.lessr.train.TrainRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Proves the Java LESSR is the walkthrough's model: for every fixture computed by the original
 * PyTorch code ({@code src/test/resources/golden}, plus the folder {@code -Dlessr.golden.dir} names), the same
 * weights must give the same graphs, logits, loss, gradients, running statistics, renormalised
 * embedding and parameters after two AdamW steps.
 */
class GoldenParityTest {
    private static final double VALUE_TOL = 1e-4;
    private static final double GRAD_TOL = 1e-3;

    static final Path REPOSITORY_FIXTURES = Path.of("src/test/resources/golden");

    private static List<Path> fixtures(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicNode> everyFixtureMatchesTheReference() throws IOException {
        // The repository's own fixtures always run; -Dlessr.golden.dir adds a folder of more (the pom names ../shared/golden).
        List<Path> files = new ArrayList<>(fixtures(REPOSITORY_FIXTURES));
        assertFalse(files.isEmpty(), "no *.json fixtures in " + REPOSITORY_FIXTURES.toAbsolutePath());
        String extra = System.getProperty("lessr.golden.dir");
        if (extra != null && Files.isDirectory(Path.of(extra))) {
            for (Path f : fixtures(Path.of(extra))) {
                Path own = REPOSITORY_FIXTURES.resolve(f.getFileName());
                if (!(Files.exists(own) && Arrays.equals(Files.readAllBytes(own), Files.readAllBytes(f)))) {
                    files.add(f);
                }
            }
        } else if (extra != null) {
            System.out.println("no golden fixtures at " + Path.of(extra).toAbsolutePath() + ": the repository's run");
        }
        List<DynamicNode> nodes = new ArrayList<>();
        for (Path file : files) {
            GoldenFixture fx = GoldenFixture.read(file);
            nodes.add(DynamicContainer.dynamicContainer(fx.name(), List.of(
                    dynamicTest("every parameter name maps", () -> parameterNamesMatch(fx)),
                    dynamicTest("graphs", () -> graphsMatch(fx)),
                    dynamicTest("eval logits", () -> evalLogitsMatch(fx)),
                    dynamicTest("train logits, loss, gradients, running stats, renorm", () -> trainStepMatches(fx)),
                    dynamicTest("loss, gradients, running stats as training takes them (sessions split between lanes)",
                            () -> trainingPassMatches(fx)),
                    dynamicTest("params after AdamW steps", () -> adamwMatches(fx)))));
        }
        return nodes.stream();
    }

    private static void parameterNamesMatch(GoldenFixture fx) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, Parameter> params = TorchNames.of(new Lessr(fx.config()).initialize(manager));
            assertEquals(new TreeSet<>(fx.params().keySet()), new TreeSet<>(params.keySet()));
            for (Map.Entry<String, Tensor> e : fx.params().entrySet()) {
                assertEquals(new Shape(e.getValue().shape()), params.get(e.getKey()).getArray().getShape(), e.getKey());
            }
        }
    }

    private static void graphsMatch(GoldenFixture fx) {
        JsonArray graphs = fx.graphs();
        assertEquals(fx.sessions().size(), graphs.size());
        for (int i = 0; i < graphs.size(); i++) {
            JsonObject expected = graphs.get(i).getAsJsonObject();
            SessionGraph g = SessionGraph.of(fx.sessions().get(i));
            String where = "session " + i + " " + Arrays.toString(fx.sessions().get(i));
            assertArrayEquals(GoldenFixture.ints(expected.getAsJsonArray("nodes_iid")), g.items(), where);
            assertArrayEquals(GoldenFixture.ints(expected.getAsJsonArray("eop_src")), g.eopSrc(), where);
            assertArrayEquals(GoldenFixture.ints(expected.getAsJsonArray("eop_dst")), g.eopDst(), where);
            assertEquals(expected.get("last").getAsInt(), g.last(), where);
            Set<List<Integer>> expectedShortcut = edgeSet(
                    GoldenFixture.ints(expected.getAsJsonArray("shortcut_src")),
                    GoldenFixture.ints(expected.getAsJsonArray("shortcut_dst")));
            Set<List<Integer>> actualShortcut = edgeSet(g.shortcutSrc(), g.shortcutDst());
            assertEquals(expectedShortcut, actualShortcut, where);
            assertEquals(g.shortcutSrc().length, actualShortcut.size(), where + ": duplicate shortcut edges");
        }
    }

    private static void evalLogitsMatch(GoldenFixture fx) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Lessr model = loaded(fx, manager);
            NDList graph = batch(fx).toNDList(manager);
            NDArray logits = model.logits(new ParameterStore(manager, false), graph, false);
            assertClose("eval.logits", fx.evalLogits(), logits, VALUE_TOL, 1);
        }
    }

    private static void trainStepMatches(GoldenFixture fx) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Lessr model = loaded(fx, manager);
            GraphBatch batch = batch(fx);
            NDList graph = batch.toNDList(manager);
            NDArray logits;
            float loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector(); Lanes lanes = new Lanes(Lanes.COUNT)) {
                // One train-mode forward over the whole batch (as on a GPU); the loss and the gradients in
                // closed form (BlockScoring), the whole logits only for the comparison.
                ParameterStore ps = new ParameterStore(manager, false);
                NDArray sr = model.sessionRepresentations(ps, graph, true);
                logits = model.scores(ps, sr, true);
                loss = BlockScoring.backward(model, sr, batch.labels(manager), lanes);
            }
            assertClose("train.logits", fx.trainLogits(), logits, VALUE_TOL, 1);
            assertEquals(trainable(TorchNames.of(model)), fx.grads().keySet(), "parameters with gradients");
            assertTrainStep(fx, model, loss);
        }
    }

    private static void trainingPassMatches(GoldenFixture fx) {
        try (NDManager manager = NDManager.newBaseManager(); Lanes lanes = new Lanes(Lanes.COUNT)) {
            Lessr model = loaded(fx, manager);
            assertTrainStep(fx, model, TrainRunner.lossAndGradients(model, batch(fx), manager, lanes));
        }
    }

    /** The loss, every gradient, the running statistics and the renormalised embedding of one training step. */
    private static void assertTrainStep(GoldenFixture fx, Lessr model, float loss) {
        NDManager manager = model.embedding().getArray().getManager();
        assertClose("train.loss", new Tensor(new long[0], new double[] {fx.trainLoss()}), manager.create(loss), VALUE_TOL, 1);
        Map<String, Parameter> params = TorchNames.of(model);
        fx.grads().forEach((name, expected) ->
                assertClose("grad of " + name, expected, params.get(name).getArray().getGradient(), GRAD_TOL, 1e-2));
        fx.runningStats().forEach((name, expected) ->
                assertClose(name + " after the train-mode forward", expected, params.get(name).getArray(), VALUE_TOL, 1));
        assertClose("embedding_after_renorm", fx.embeddingAfterRenorm(),
                params.get("embedding.weight").getArray(), VALUE_TOL, 1);
    }

    private static void adamwMatches(GoldenFixture fx) {
        JsonObject cfg = fx.adamw();
        try (NDManager manager = NDManager.newBaseManager()) {
            Lessr model = loaded(fx, manager);
            Map<String, Parameter> params = TorchNames.of(model);
            JsonArray betas = cfg.getAsJsonArray("betas");
            AdamW optimizer = new AdamW(params, TorchNames::decays, cfg.get("lr").getAsDouble(),
                    cfg.get("weight_decay").getAsDouble(), betas.get(0).getAsDouble(), betas.get(1).getAsDouble(),
                    cfg.get("eps").getAsDouble());
            GraphBatch batch = batch(fx);
            try (Lanes lanes = new Lanes(Lanes.COUNT)) {
                for (int step = 0; step < cfg.get("steps").getAsInt(); step++) {
                    try (NDManager sub = manager.newSubManager()) {
                        TrainRunner.lossAndGradients(model, batch, sub, lanes); // the training path
                        optimizer.step(lanes);
                    }
                }
            }
            assertEquals(trainable(params), fx.paramsAfterAdamw().keySet());
            fx.paramsAfterAdamw().forEach((name, expected) ->
                    assertClose(name + " after AdamW", expected, params.get(name).getArray(), VALUE_TOL, 1));
        }
    }

    private static Set<String> trainable(Map<String, Parameter> params) {
        Set<String> names = new HashSet<>();
        params.forEach((name, p) -> {
            if (p.requiresGradient()) {
                names.add(name);
            }
        });
        return names;
    }

    private static Lessr loaded(GoldenFixture fx, NDManager manager) {
        Lessr model = new Lessr(fx.config()).initialize(manager);
        Map<String, Parameter> params = TorchNames.of(model);
        fx.params().forEach((name, t) -> {
            float[] values = new float[t.data().length];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) t.data()[i];
            }
            params.get(name).getArray().set(values);
        });
        return model;
    }

    private static GraphBatch batch(GoldenFixture fx) {
        return GraphBatch.of(fx.sessions(), fx.labels());
    }

    private static Set<List<Integer>> edgeSet(int[] src, int[] dst) {
        Set<List<Integer>> set = new HashSet<>();
        for (int e = 0; e < src.length; e++) {
            set.add(List.of(src[e], dst[e]));
        }
        return set;
    }

    /** |got - expected| <= tol * max(floor, |expected|), element by element. */
    private static void assertClose(String what, Tensor expected, NDArray actual, double tol, double floor) {
        assertEquals(new Shape(expected.shape()), actual.getShape(), what + ": shape");
        float[] got = actual.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < got.length; i++) {
            double excess = Math.abs(got[i] - expected.data()[i]) / Math.max(floor, Math.abs(expected.data()[i]));
            if (!(excess <= worst)) {
                worst = excess;
                worstAt = i;
            }
        }
        if (!(worst <= tol)) {
            fail(String.format("%s: element %d is %.8g, expected %.8g (relative error %.3g > %.0e)",
                    what, worstAt, got[worstAt], expected.data()[worstAt], worst, tol));
        }
        assertTrue(worst <= tol);
    }
}

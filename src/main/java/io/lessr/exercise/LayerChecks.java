package io.lessr.exercise;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import io.lessr.graph.GraphBatch;
import io.lessr.graph.SessionGraph;
import io.lessr.model.AttnReadout;
import io.lessr.model.Eopa;
import io.lessr.model.GraphLayer;
import io.lessr.model.Sgat;
import io.lessr.model.TorchNames;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * Checks the notebook's EOPA, SGAT and AttnReadout against the kit's layers ({@link Eopa}, {@link
 * Sgat}, {@link AttnReadout}, the twins the golden test proves equal to PyTorch) with the student's
 * weights copied in: in eval mode with and without batch norm, on a batch of {@link
 * ExerciseSessions}, and in training mode with dropout, where the check draws the same dropout mask
 * again (the engine's seed) to find which input the student dropped.
 */
public final class LayerChecks {
    /** The width of the checks' layers (the walkthrough's is 32; small is quicker and shows as much). */
    public static final int DIM = 8;
    private static final float DROP = 0.5f;
    private static final long MASK_SEED = 7;

    private LayerChecks() {}

    private enum Kind {
        EOPA("EOPA", "a node", "neigh = the GRU's last state over each node's in-edge messages ft[src], in edge order"
                + " (updateAll with your reducer), zeros for a node without in-edges; rst = fc_self(feat) + fc_neigh(neigh),"
                + " fc_self alone in a batch without edges; then the activation"),
        SGAT("SGAT", "a node", "e = fc_e(sigmoid(q[src] + k[dst])) on every shortcut edge (uAddV), a = softmax of e over"
                + " each node's in-edges (edgeSoftmax), rst = the sum of v[src] * a into each dst (uMulESum); then the activation"),
        READOUT("AttnReadout", "a session", "e = fc_e(sigmoid(fc_u(feat) + fc_v(feat[last]) broadcast to the session's"
                + " nodes)), alpha = softmax of e over each session's nodes (segmentSoftmax), rst = the sum of alpha * feat"
                + " over the session's nodes (segmentReduceSum), then fc_out when the widths differ, then the activation");

        final String name;
        final String row;
        final String recipe;

        Kind(String name, String row, String recipe) {
            this.name = name;
            this.row = row;
            this.recipe = recipe;
        }

        GraphLayer kit(LayerSpec s) {
            return switch (this) {
                case EOPA -> new Eopa(s.inputDim(), s.outputDim(), s.batchNorm(), s.featDrop());
                case SGAT -> new Sgat(s.inputDim(), s.outputDim(), s.outputDim(), s.batchNorm(), s.featDrop());
                case READOUT -> new AttnReadout(s.inputDim(), s.outputDim(), s.outputDim(), s.batchNorm(), s.featDrop());
            };
        }
    }

    /** EOPA (paper, section 4.1): the reducer and the forward pass. */
    public static void eopa(Function<LayerSpec, StudentLayer> make) {
        run(Kind.EOPA, make);
    }

    /** SGAT (paper, section 4.2): the attention over the shortcut graph. */
    public static void sgat(Function<LayerSpec, StudentLayer> make) {
        run(Kind.SGAT, make);
    }

    /** AttnReadout (paper, section 4.3): the session's attention pooling. */
    public static void attnReadout(Function<LayerSpec, StudentLayer> make) {
        run(Kind.READOUT, make);
    }

    private static void run(Kind kind, Function<LayerSpec, StudentLayer> make) {
        Check check = new Check(kind.name);
        List<int[]> sessions = ExerciseSessions.of(60, 12, 5 + kind.ordinal());
        int wide = kind == Kind.SGAT ? 2 * DIM : 3 * DIM; // the input widths LESSR's later layers see
        List<LayerSpec> evalSpecs = List.of(new LayerSpec(DIM, DIM, true, 0), new LayerSpec(wide, DIM, false, 0));
        int checked = 0;
        for (LayerSpec spec : evalSpecs) {
            StudentLayer student = check.call("new " + kind.name + "(" + spec + ")", () -> make.apply(spec));
            compare(check, kind, spec, student, sessions, false);
            compare(check, kind, spec, student, List.of(new int[] {3}), false); // a batch without EOP edges
            checked++;
        }
        LayerSpec dropping = new LayerSpec(DIM, DIM, false, DROP);
        compare(check, kind, dropping, check.call("new " + kind.name + "(" + dropping + ")", () -> make.apply(dropping)), sessions, true);
        check.passed("the kit's outputs on a batch of " + sessions.size() + " sessions and on one of a single click, in eval mode"
                + " (with and without batch norm, " + checked + " widths) and in training mode with dropout");
    }

    private static void compare(Check check, Kind kind, LayerSpec spec, StudentLayer student, List<int[]> sessions, boolean training) {
        Map<String, Parameter> theirs = student.parameters();
        NDManager parent = theirs.values().iterator().next().getArray().getManager();
        try (NDManager scope = parent.newSubManager()) {
            GraphLayer kit = kind.kit(training ? new LayerSpec(spec.inputDim(), spec.outputDim(), spec.batchNorm(), 0) : spec);
            kit.initialize(scope, DataType.FLOAT32, new Shape(1, spec.inputDim()));
            copyWeights(check, theirs, TorchNames.of(kit));
            ParameterStore ps = new ParameterStore(scope, false);
            GraphBatch batch = GraphBatch.of(sessions, new int[sessions.size()]);
            NDList graph = batch.toNDList(scope);
            NDArray feat = features(scope, batch.numNodes(), spec.inputDim(), sessions.size());
            String mode = (training ? "training mode, dropout " + spec.featDrop() : "eval mode")
                    + (spec.batchNorm() ? ", batch norm" : ", no batch norm") + ", input width " + spec.inputDim();
            if (training) {
                Engine.getInstance().setRandomSeed((int) MASK_SEED);
            }
            NDArray yours = check.call(kind.name + ".forward (" + mode + ")", () -> student.forward().apply(copy(sessions), feat.duplicate(), training));
            NDArray expected;
            String hint = null;
            if (training) {
                Engine.getInstance().setRandomSeed((int) MASK_SEED);
                Dropout dropout = Dropout.builder().optRate((float) spec.featDrop()).build();
                dropout.initialize(scope, DataType.FLOAT32, feat.getShape());
                NDArray dropped = dropout.forward(ps, new NDList(feat), true).head();
                expected = kit.stage().body(ps, feat, feat, dropped, graph, false);
                if (close(yours, kit.stage().body(ps, feat, feat, feat, graph, false))) {
                    hint = kind == Kind.EOPA
                            ? "no dropout on the messages: in training mode the messages are ft = feat_drop(feat)"
                            : "no dropout: in training mode the layer's input goes through feat_drop first";
                } else if (kind == Kind.EOPA && close(yours, kit.stage().body(ps, feat, dropped, dropped, graph, false))) {
                    hint = "dropout applied to the wrong input: fc_self reads feat as it came in; only the messages,"
                            + " ft = feat_drop(feat), are dropped out";
                }
            } else {
                expected = kit.forward(ps, feat, graph, false);
            }
            if (!yours.getShape().equals(expected.getShape())) {
                throw check.failed("the output has shape " + yours.getShape() + ", expected " + expected.getShape()
                        + " (" + (kind == Kind.READOUT ? "sessions" : "nodes") + " x output width; " + mode + ")",
                        kind == Kind.EOPA && yours.getShape().dimension() == 3
                                ? "the reducer returns the GRU's last state, one row a node: (nodes, d), not (nodes, deg, d)" : kind.recipe);
            }
            int row = firstDifferentRow(yours, expected);
            if (row >= 0) {
                throw check.failed(describe(kind, sessions, batch, row, yours, expected, mode), hint != null ? hint : kind.recipe);
            }
        }
    }

    private static void copyWeights(Check check, Map<String, Parameter> theirs, Map<String, Parameter> kit) {
        if (!theirs.keySet().equals(kit.keySet())) {
            throw check.failed("the layer's parameters are " + theirs.keySet() + ", the kit's " + kit.keySet()
                    + ": keep the layer's children as the notebook declares them");
        }
        kit.forEach((name, p) -> {
            NDArray from = theirs.get(name).getArray();
            if (!from.getShape().equals(p.getArray().getShape())) {
                throw check.failed("parameter " + name + " has shape " + from.getShape() + ", the kit's " + p.getArray().getShape());
            }
            p.getArray().set(from.toFloatArray());
        });
    }

    private static NDArray features(NDManager scope, int rows, int width, long seed) {
        Random random = new Random(seed * 31 + width);
        float[] values = new float[rows * width];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return scope.create(values, new Shape(rows, width));
    }

    private static boolean close(NDArray yours, NDArray expected) {
        return yours.getShape().equals(expected.getShape()) && firstDifferentRow(yours, expected) < 0;
    }

    /** The first row off by more than float32 rounding of a few hundred operations, or -1. */
    private static int firstDifferentRow(NDArray yours, NDArray expected) {
        float[] a = yours.toType(DataType.FLOAT32, false).toFloatArray();
        float[] b = expected.toType(DataType.FLOAT32, false).toFloatArray();
        int width = (int) (expected.getShape().dimension() < 2 ? 1 : expected.getShape().get(1));
        for (int i = 0; i < b.length; i++) {
            if (!(Math.abs(a[i] - b[i]) <= 1e-4f * (1 + Math.abs(b[i])))) {
                return i / width;
            }
        }
        return -1;
    }

    private static String describe(Kind kind, List<int[]> sessions, GraphBatch batch, int row, NDArray yours, NDArray expected, String mode) {
        int session = row;
        String what = "";
        if (kind != Kind.READOUT) {
            int start = 0;
            session = 0;
            while (true) {
                SessionGraph g = SessionGraph.of(sessions.get(session));
                if (row < start + g.numNodes()) {
                    what = ", the node of item " + g.items()[row - start];
                    break;
                }
                start += g.numNodes();
                session++;
            }
        }
        return String.format("a different output for session %s%s (row %d of a batch of %d sessions; %s)%n  expected %s%n  yours    %s",
                Arrays.toString(sessions.get(session)), what, row, sessions.size(), mode, rowText(expected, row), rowText(yours, row));
    }

    private static String rowText(NDArray x, int row) {
        float[] values = x.get(row).toType(DataType.FLOAT32, false).toFloatArray();
        List<String> shown = new ArrayList<>();
        for (float v : values) {
            shown.add(String.format("%.4f", v));
        }
        return "[" + String.join(", ", shown) + "]";
    }

    private static List<int[]> copy(List<int[]> sessions) {
        return sessions.stream().map(int[]::clone).toList();
    }
}

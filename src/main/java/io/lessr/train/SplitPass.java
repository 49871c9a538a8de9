package io.lessr.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.Device;
import io.lessr.graph.GraphBatch;
import io.lessr.model.Lessr;
import io.lessr.model.Stage;
import io.lessr.model.TorchInit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A training step's forward and backward pass with the batch's sessions split between the {@link
 * Lanes}, each lane running every {@link Stage} of the model on its own sessions, all at once. Batch
 * norm is the only operation that mixes sessions, so the lanes meet only there: its statistics and
 * its gradient are over the whole batch, as on one thread.
 *
 * <p>At a stage with batch norm, for the {@code N} rows {@code x} of all lanes (sums in float64,
 * each lane's over its rows, then the lanes' in lane order):
 *
 * <pre>
 *   mean = sum(x) / N,  var = sum(x^2) / N - mean^2      running_mean, running_var updated as PyTorch does
 *   normed = batch_norm(x) with mean and var given      (gamma * (x - mean) / sqrt(var + eps) + beta)
 *   dropped = normed * mask
 * </pre>
 *
 * Autograd through that gives each lane {@code gamma * istd * d normed} for {@code d x}, as if mean
 * and var were constants, and its share of {@code d gamma = sum(d normed * z)} and {@code d beta =
 * sum(d normed)}, where {@code z = (x - mean) * istd}. Batch norm's gradient through its statistics
 * is then added from the lanes' summed shares:
 *
 * <pre>
 *   d x -= gamma * istd * (d beta + z * d gamma) / N
 * </pre>
 *
 * Each lane's autograd graph is cut at every stage's input (a leaf), and the backward pass runs stage
 * by stage from the last, each lane on its own thread. Dropout masks are drawn for the whole batch, in
 * stage order, as the unsplit forward draws them, all at the start by lane 1 (nothing else draws from
 * the generator meanwhile) while lane 0 looks up both lanes' items. Lane 0 works on the
 * parameters themselves, every other lane on aliases sharing their storage (and every lane on aliases
 * of the batch norms' gamma and beta, whose gradients are then its shares); the aliases' gradients are
 * added to the parameters' after the pass, in lane order. When each lane's sessions are whole blocks of
 * {@link BlockScoring}'s (a batch of 512 is), each lane scores its own output and goes back through the
 * last stage in the same run, with the very blocks and sums of the batch's scoring. The cut and the order of every sum are fixed, so
 * the result is the same bits whether one thread or two run the lanes; it differs from the unsplit
 * pass only in the rounding of those sums.
 */
public final class SplitPass {
    private SplitPass() {}

    /** Whether a batch of {@code sessions} is split: every lane needs a session. */
    public static boolean splits(int sessions) {
        return sessions >= Lanes.COUNT;
    }

    /**
     * Runs the forward and backward pass of {@code batch} in train mode, leaves every parameter's
     * gradient (the cross-entropy's, scored by {@link BlockScoring}) and returns the loss. Every
     * tensor of the pass lives on {@code scope}.
     */
    public static float step(Lessr model, GraphBatch batch, NDManager scope, Lanes lanes) {
        return step(model, batch, scope, lanes, true);
    }

    /** {@link #step}; {@code laneScoring} false always scores the whole batch's output at once (for tests). */
    static float step(Lessr model, GraphBatch batch, NDManager scope, Lanes lanes, boolean laneScoring) {
        if (!splits(batch.size())) {
            throw new IllegalArgumentException("a batch of " + batch.size() + " sessions cannot be split into "
                    + Lanes.COUNT + " lanes");
        }
        List<Stage> stages = model.stages();
        Set<Parameter> batchNormParameters = new HashSet<>();
        for (Stage stage : stages) {
            if (stage.normalizes()) {
                batchNormParameters.add(stage.gamma());
                batchNormParameters.add(stage.beta());
            }
        }
        // Each lane's tensors on a scope of its own, which the lane closes: closing is a native call a tensor.
        Part[] parts = new Part[Lanes.COUNT];
        List<GraphBatch> subs = batch.parts(Lanes.COUNT); // usually cut on a collator's worker already
        for (int lane = 0; lane < parts.length; lane++) {
            NDManager laneScope = scope.newSubManager();
            parts[lane] = new Part(subs.get(lane), laneScope,
                    new Aliases(laneScope, lane == 0 ? batchNormParameters::contains : p -> true));
        }

        // Forward: on lane 0, the embedding renormalised, every lane's item look-up and the first
        // stage's batch statistics, while lane 1 draws every stage's dropout masks (the look-up draws
        // none); then each stage once the lanes' inputs are normalised together.
        Sums[] lookUpSums = new Sums[parts.length];
        Norm[] norms = new Norm[stages.size()];
        NDList[] stageMasks = new NDList[stages.size()];
        DataType dataType = model.embedding().getArray().getDataType();
        lanes.run(lane -> {
            if (lane == 0) {
                model.renormalizeEmbedding();
                for (int p = 0; p < parts.length; p++) {
                    lookUpSums[p] = parts[p].lookUp(model, stages.get(0).normalizes());
                }
                norms[0] = stages.get(0).normalizes() ? Norm.of(stages.get(0), Arrays.asList(lookUpSums), scope) : null;
            } else {
                for (int k = 0; k < stages.size(); k++) {
                    stageMasks[k] = masks(stages.get(k), parts, dataType, scope);
                }
            }
            return null;
        });
        // When each lane's sessions are whole blocks of the scoring, each lane scores its own output
        // and goes back through the last stage at once (the same blocks, the same sums in the same order).
        int last = stages.size() - 1;
        boolean lanesScore = laneScoring && BlockScoring.lanesAligned(model, sizes(subs));
        List<Sums> sums = null;
        List<Sums> shares = null;
        BlockScoring.Loss loss = null;
        for (int k = 0; k < stages.size(); k++) {
            Stage stage = stages.get(k);
            if (k > 0) {
                norms[k] = stage.normalizes() ? Norm.of(stage, sums, scope) : null;
            }
            Norm norm = norms[k];
            NDList masks = stageMasks[k];
            if (k == last && lanesScore) {
                List<Scored> scored = lanes.run(lane -> parts[lane].forwardScoreBackward(
                        stage, norm, masks == null ? null : masks.get(lane), model, batch.size()));
                List<BlockScoring.Part> laneScores = new ArrayList<>();
                shares = new ArrayList<>();
                for (Scored s : scored) {
                    laneScores.add(s.scores());
                    shares.add(s.share());
                }
                loss = BlockScoring.combineLanes(laneScores, batch.size());
                break;
            }
            boolean nextNormalizes = k + 1 < stages.size() && stages.get(k + 1).normalizes();
            sums = lanes.run(lane -> parts[lane].forward(stage, norm, masks == null ? null : masks.get(lane), nextNormalizes));
        }
        if (loss == null) {
            NDList srs = new NDList();
            for (Part part : parts) {
                srs.add(part.output());
            }
            loss = BlockScoring.loss(model, NDArrays.concat(srs, 0), batch.labels(scope), lanes);
            NDList srGrads = loss.srGrad().split(rowStarts(srs), 0);
            shares = lanes.run(lane -> parts[lane].backward(stages.get(last), srGrads.get(lane)));
        }

        // Backward, stage by stage from the last, down to the look-up, whose gradient goes to the embedding.
        for (int k = stages.size() - 1; k >= 0; k--) {
            float[][] correction = norms[k] == null ? null : norms[k].correction(shares);
            Stage before = k > 0 ? stages.get(k - 1) : null;
            shares = lanes.run(lane -> parts[lane].backwardThroughNorm(correction, before));
        }
        addGradients(parts, model, loss, norms, stages, lanes);
        return loss.value();
    }

    /** A lane's scores of its own sessions and its shares of the last stage's batch-norm gradients. */
    private record Scored(BlockScoring.Part scores, Sums share) {}

    /**
     * Adds the lanes' aliases' gradients to the parameters', and the scores' gradient to the
     * embedding's. Each parameter's sum is independent of the others', so the parameters are shared
     * out over the lanes; each one's terms are added in lane order, the scores' last. In the same run
     * the lanes update the batch norms' running statistics, and each leaves its tensors to close at the
     * lanes' next run (the optimizer's).
     */
    private static void addGradients(Part[] parts, Lessr model, BlockScoring.Loss loss, Norm[] norms, List<Stage> stages,
            Lanes lanes) {
        Set<Parameter> aliased = new LinkedHashSet<>();
        for (Part part : parts) {
            aliased.addAll(part.store.aliases.keySet());
        }
        Parameter embedding = model.embedding();
        aliased.add(embedding);
        List<Parameter> parameters = new ArrayList<>(aliased);
        lanes.run(lane -> {
            for (int i = lane; i < parameters.size(); i += Lanes.COUNT) {
                Parameter parameter = parameters.get(i);
                for (Part part : parts) {
                    part.store.addGradient(parameter);
                }
                if (parameter == embedding) {
                    loss.addItemGrad(model);
                }
            }
            for (int k = lane; k < norms.length; k += Lanes.COUNT) {
                if (norms[k] != null) {
                    norms[k].updateRunning(stages.get(k));
                }
            }
            // Every lane has read the others' aliases' gradients only once all lanes end this run.
            lanes.closeAtNextRun(lane, parts[lane].scope);
            return null;
        });
    }

    /** Adds {@code grad} to a parameter's gradient, creating it if need be (a backward pass from the leaf). */
    private static void accumulate(NDArray parameter, NDArray grad) {
        JniUtils.backward((PtNDArray) parameter, (PtNDArray) grad, false, false);
    }

    /**
     * The dropout masks of {@code stage} for each lane, drawn for the whole batch as dropout draws its
     * own; the lanes' rows of the stage's input are known before it is computed.
     */
    private static NDList masks(Stage stage, Part[] parts, DataType dataType, NDManager scope) {
        if (stage.dropRate() == 0) {
            return null;
        }
        long[] starts = new long[parts.length - 1];
        long rows = 0;
        for (int p = 0; p < parts.length; p++) {
            rows += stage.perSession() ? parts[p].sub.size() : parts[p].sub.numNodes();
            if (p < starts.length) {
                starts[p] = rows;
            }
        }
        NDArray ones = scope.ones(new Shape(rows, stage.inputDim()), dataType);
        NDArray mask = ones.getNDArrayInternal().dropout(ones, stage.dropRate(), true).singletonOrThrow();
        return mask.split(starts, 0);
    }

    /** The sessions of each part, in lane order. */
    static long[] sizes(List<GraphBatch> parts) {
        long[] sizes = new long[parts.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = parts.get(i).size();
        }
        return sizes;
    }

    private static long[] rowStarts(NDList arrays) {
        long[] starts = new long[arrays.size() - 1];
        long at = 0;
        for (int i = 0; i < starts.length; i++) {
            at += arrays.get(i).getShape().get(0);
            starts[i] = at;
        }
        return starts;
    }

    /** A stage's batch statistics over all lanes, as batch norm's arguments and as Java arrays. */
    private record Norm(NDArray meanArray, NDArray varArray, double[] mean, double[] var, double[] istd, float[] gamma, long rows) {
        static Norm of(Stage stage, List<Sums> laneSums, NDManager scope) {
            long n = 0;
            for (Sums lane : laneSums) {
                n += lane.rows();
            }
            if (n < 2) {
                throw new IllegalArgumentException("batch norm needs more than one value per channel when training, got " + n);
            }
            double[] mean = inLaneOrder(laneSums, Sums::first);
            double[] var = inLaneOrder(laneSums, Sums::second);
            double[] istd = statistics(mean, var, n);
            return new Norm(scope.create(toFloats(mean)), scope.create(toFloats(var)), mean, var, istd,
                    stage.gamma().getArray().toFloatArray(), n);
        }

        /**
         * Turns the column sums of x and x^2 into the mean and the (biased) variance, in place, and
         * returns {@code 1 / sqrt(var + eps)}. (Plain loops in a method of their own: compiled on their
         * own, they do not drag the engine's calls into the JIT's work.)
         */
        private static double[] statistics(double[] mean, double[] var, long n) {
            double[] istd = new double[mean.length];
            for (int j = 0; j < mean.length; j++) {
                mean[j] /= n;
                var[j] = Math.max(0, var[j] / n - mean[j] * mean[j]);
                istd[j] = 1 / Math.sqrt(var[j] + Stage.EPSILON);
            }
            return istd;
        }

        /**
         * Updates {@code stage}'s running statistics as PyTorch does, with the unbiased variance; nothing
         * reads them in a training step, so this waits for a lane with time at the step's end.
         */
        void updateRunning(Stage stage) {
            float[] runningMean = stage.runningMean().getArray().toFloatArray();
            float[] runningVar = stage.runningVar().getArray().toFloatArray();
            for (int j = 0; j < mean.length; j++) {
                runningMean[j] = (float) ((1 - Stage.MOMENTUM) * runningMean[j] + Stage.MOMENTUM * mean[j]);
                runningVar[j] = (float) ((1 - Stage.MOMENTUM) * runningVar[j] + Stage.MOMENTUM * var[j] * rows / (rows - 1));
            }
            TorchInit.copyInto(stage.runningMean().getArray(), runningMean);
            TorchInit.copyInto(stage.runningVar().getArray(), runningVar);
        }

        /**
         * From the lanes' shares of {@code d gamma} and {@code d beta}: {@code a} and {@code b} with
         * {@code gamma * istd * (d beta + z * d gamma) / N = x * a + b}, what each lane takes from its {@code d x}.
         */
        float[][] correction(List<Sums> laneShares) {
            double[] dGamma = inLaneOrder(laneShares, Sums::first);
            double[] dBeta = inLaneOrder(laneShares, Sums::second);
            float[][] ab = new float[2][mean.length];
            for (int j = 0; j < mean.length; j++) {
                double scale = gamma[j] * istd[j] / rows;
                double a = scale * dGamma[j] * istd[j];
                ab[0][j] = (float) a;
                ab[1][j] = (float) (scale * dBeta[j] - a * mean[j]);
            }
            return ab;
        }
    }

    /** Two sums per column over one lane's rows, and how many rows. */
    private record Sums(double[] first, double[] second, long rows) {}

    /** One of the lanes' sums, added in lane order. */
    private static double[] inLaneOrder(List<Sums> lanes, Function<Sums, double[]> which) {
        double[] sum = new double[which.apply(lanes.get(0)).length];
        for (Sums lane : lanes) {
            double[] part = which.apply(lane);
            for (int j = 0; j < sum.length; j++) {
                sum[j] += part[j];
            }
        }
        return sum;
    }

    private static float[] toFloats(double[] values) {
        float[] floats = new float[values.length];
        for (int j = 0; j < values.length; j++) {
            floats[j] = (float) values[j];
        }
        return floats;
    }

    /** Per column, {@code sum(x)} and {@code sum(x^2)} over the rows, in float64. */
    private static Sums sums(NDArray x) {
        try (NDManager tmp = x.getManager().newSubManager()) {
            NDArray x64 = x.toType(DataType.FLOAT64, false);
            x64.attach(tmp);
            return new Sums(x64.sum(new int[] {0}).toDoubleArray(), x64.mul(x64).sum(new int[] {0}).toDoubleArray(),
                    x.getShape().get(0));
        }
    }

    /** One lane's sessions and the segments of its autograd graph: the look-up's, then one per stage. */
    private static final class Part {
        private final GraphBatch sub;
        private final NDManager scope;
        private final Aliases store;
        private NDList graph;
        private final List<Segment> segments = new ArrayList<>();
        private NDArray input; // the next stage's input: the last segment's output, outside autograd
        private int backwardAt; // the segment the backward pass has just gone through

        Part(GraphBatch sub, NDManager scope, Aliases store) {
            this.sub = sub;
            this.scope = scope;
            this.store = store;
        }

        Sums lookUp(Lessr model, boolean normalizes) {
            return recording(() -> {
                graph = sub.toNDList(scope);
                NDArray out = model.itemFeatures(store, graph, true);
                segments.add(new Segment(null, out));
                return next(out, normalizes);
            });
        }

        Sums forward(Stage stage, Norm norm, NDArray mask, boolean nextNormalizes) {
            return recording(() -> {
                NDArray x = input.stopGradient();
                x.attach(scope);
                x.setRequiresGradient(true);
                NDArray normed = x;
                if (norm != null) {
                    Device device = x.getDevice();
                    normed = BatchNorm.batchNorm(x, norm.meanArray(), norm.varArray(), store.getValue(stage.gamma(), device, true),
                            store.getValue(stage.beta(), device, true), 1, Stage.MOMENTUM, Stage.EPSILON, false).singletonOrThrow();
                }
                NDArray dropped = mask == null ? normed : normed.mul(mask);
                NDArray out = stage.body(store, x, normed, dropped, graph, true);
                segments.add(new Segment(x, out));
                return next(out, nextNormalizes);
            });
        }

        /**
         * The last stage, then the lane's own sessions scored (whole blocks of the batch's scoring) and
         * the backward pass through the last stage from their gradient.
         */
        Scored forwardScoreBackward(Stage last, Norm norm, NDArray mask, Lessr model, long batchSessions) {
            forward(last, norm, mask, false);
            BlockScoring.Part scores = BlockScoring.scoreLane(model, input, sub.labels(scope));
            return new Scored(scores, backward(last, scores.srGrad(batchSessions)));
        }

        /** The last stage's output (the lane's session representations), outside autograd. */
        NDArray output() {
            return input;
        }

        private Sums next(NDArray out, boolean normalizes) {
            input = out.stopGradient();
            input.attach(scope);
            return normalizes ? sums(input) : null;
        }

        /** Starts the backward pass from the gradient of the lane's output, the last stage's. */
        Sums backward(Stage last, NDArray outGrad) {
            backwardAt = segments.size();
            return backwardStage(last, outGrad);
        }

        /**
         * Backward through the segment before the one just passed, from the gradient of its output;
         * returns the lane's shares of the stage's {@code d gamma} and {@code d beta}, first and second
         * (null without batch norm).
         */
        private Sums backwardStage(Stage stage, NDArray outGrad) {
            Segment segment = segments.get(--backwardAt);
            JniUtils.backward((PtNDArray) segment.out, (PtNDArray) outGrad, false, false);
            if (stage == null || !stage.normalizes()) {
                return null;
            }
            Device device = outGrad.getDevice();
            return new Sums(share(store.getValue(stage.gamma(), device, true)), share(store.getValue(stage.beta(), device, true)),
                    outGrad.getShape().get(0));
        }

        /** A batch-norm parameter's gradient so far: this lane's share, the only one it has yet. */
        private double[] share(NDArray parameter) {
            float[] grad;
            try (NDArray g = JniUtils.getGradient((PtNDArray) parameter)) {
                grad = g.toFloatArray(); // widened here: the same values as a float64 copy, one native call fewer
            }
            double[] wide = new double[grad.length];
            for (int j = 0; j < grad.length; j++) {
                wide[j] = grad[j];
            }
            return wide;
        }

        /**
         * Finishes the backward pass through the input of the segment just passed (its batch norm's
         * {@code correction}, or null without one) and goes on through the segment before, the stage
         * {@code before}'s (null: the look-up).
         */
        Sums backwardThroughNorm(float[][] correction, Stage before) {
            NDArray x = segments.get(backwardAt).x;
            NDArray grad = JniUtils.getGradient((PtNDArray) x);
            if (grad == null) {
                grad = x.zerosLike();
            }
            grad.attach(scope);
            if (correction != null) {
                grad.subi(x.mul(scope.create(correction[0])).addi(scope.create(correction[1])));
            }
            return backwardStage(before, grad);
        }
    }

    /** A stage's part of a lane's graph: its input leaf {@code x} (null for the look-up) and its output. */
    private record Segment(NDArray x, NDArray out) {}

    /** Runs {@code work} with autograd recording on this thread. */
    private static <T> T recording(Supplier<T> work) {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        try {
            return work.get();
        } finally {
            JniUtils.setGradMode(was);
        }
    }

    /**
     * The parameters as a lane sees them: those {@code aliased}, as leaves of the lane's own sharing
     * their storage, so that the lane's gradients collect apart and are added in a fixed order; the
     * others as they are.
     */
    private static final class Aliases extends ParameterStore {
        private final NDManager scope;
        private final Predicate<Parameter> aliased;
        private final Map<Parameter, NDArray> aliases = new LinkedHashMap<>();

        Aliases(NDManager scope, Predicate<Parameter> aliased) {
            super(scope, false);
            this.scope = scope;
            this.aliased = aliased;
        }

        @Override
        public NDArray getValue(Parameter parameter, Device device, boolean training) {
            if (parameter == null || !aliased.test(parameter)) {
                return super.getValue(parameter, device, training);
            }
            return aliases.computeIfAbsent(parameter, p -> {
                NDArray alias = p.getArray().stopGradient();
                alias.attach(scope);
                alias.setRequiresGradient(p.requiresGradient());
                return alias;
            });
        }

        /** Adds the gradient of {@code parameter}'s alias, if it has one, to the parameter's. */
        void addGradient(Parameter parameter) {
            NDArray alias = aliases.get(parameter);
            if (alias != null && parameter.requiresGradient()) {
                NDArray grad = JniUtils.getGradient((PtNDArray) alias);
                if (grad != null) {
                    grad.attach(scope);
                    accumulate(parameter.getArray(), grad);
                }
            }
        }
    }
}

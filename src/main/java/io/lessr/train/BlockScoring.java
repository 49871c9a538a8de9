package io.lessr.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.lessr.model.Lessr;

import java.util.ArrayList;
import java.util.List;

/**
 * Session representations scored against every item ({@code sr @ E^T}) a block of sessions at a
 * time on the {@link Lanes}, each block's logits used while they are in the CPU's cache: for
 * training, the walkthrough's loss {@code F.cross_entropy(sr @ E^T, labels)} with its gradients in
 * closed form; for evaluation, the rank of each label.
 *
 * <p>For a block of sessions {@code x} (rows of {@code sr}) with labels {@code y}, and {@code N}
 * sessions in the batch:
 *
 * <pre>
 *   logp = log_softmax(x @ E^T)           loss   = -sum(logp[i, y_i]) / N
 *   g    = exp(logp) - onehot(y)          d sr_x = g @ E / N
 *                                         d E   += g^T @ x / N
 * </pre>
 *
 * which is what autograd computes for the same expression, with each block's logits made and used
 * while they are in the CPU's cache. The lanes take contiguous halves of the blocks; {@code d E} is
 * each lane's sum over its blocks, then lane 0's plus lane 1's, so the result does not depend on
 * how many threads ran. {@code d sr} then flows back through the graph layers by autograd and
 * {@code d E} is added to the embedding's gradient (which the item look-up also feeds).
 */
public final class BlockScoring {
    private BlockScoring() {}
    static final boolean DEBUG = Boolean.getBoolean("lessr.debug");

    /** One lane's part: per block, the gradient of the logits and of the block's representations; the summed log-likelihood. */
    private record Part(List<NDArray> logitGrads, List<NDArray> srGrads, NDArray logLikelihood) {}

    /**
     * Computes the mean cross-entropy of the batch, puts its gradient into the embedding's and, by a
     * backward pass from {@code sr}, into every other parameter's; returns the loss. Call inside the
     * gradient collector that recorded {@code sr}, after the model's forward pass (which renormalised
     * the embedding).
     */
    public static float backward(Lessr model, NDArray sr, NDArray labels, Lanes lanes) {
        NDManager scope = sr.getManager();
        long sessions = sr.getShape().get(0);
        NDArray items = model.embedding().getArray();
        NDArray weights = items.stopGradient(); // a view of the renormalised weights, outside autograd
        weights.attach(scope);
        NDArray weightsT = weights.transpose();
        NDArray srValues = sr.stopGradient();
        srValues.attach(scope);
        long[] starts = blockStarts(model, sessions);
        int numBlocks = starts.length + 1;
        NDList xs = srValues.split(starts, 0);
        NDList ys = labels.split(starts, 0);

        // The lanes make each block's logits, softmax and d sr; d E waits for the backward pass.
        List<Part> parts = lanes.run(lane -> {
            int[] range = Lanes.range(lane, numBlocks);
            List<NDArray> logitGrads = new ArrayList<>();
            List<NDArray> srGrads = new ArrayList<>();
            NDArray logLikelihood = null;
            for (int b = range[0]; b < range[1]; b++) {
                try (NDManager tmp = scope.newSubManager()) {
                    NDArray x = xs.get(b);
                    NDArray y = ys.get(b);
                    NDArray logp = tmp(x.matMul(weightsT), tmp).logSoftmax(1);
                    NDIndex atLabels = new NDIndex("{}, {}",
                            tmp.arange(0, (int) x.getShape().get(0), 1, y.getDataType()), y);
                    NDArray picked = logp.get(atLabels);
                    NDArray sum = picked.sum();
                    NDArray g = logp.exp(); // the softmax
                    g.set(atLabels, picked.exp().subi(1f));
                    srGrads.add(keep(g.matMul(weights), scope));
                    logitGrads.add(keep(g, scope));
                    logLikelihood = logLikelihood == null ? keep(sum, scope) : logLikelihood.addi(sum);
                }
            }
            return new Part(logitGrads, srGrads, logLikelihood);
        });
        NDList logitGrads = new NDList();
        NDList srGrads = new NDList();
        NDArray logLikelihood = null;
        for (Part part : parts) {
            logitGrads.addAll(part.logitGrads);
            srGrads.addAll(part.srGrads);
            if (part.logLikelihood != null) { // null: a lane without blocks
                logLikelihood = logLikelihood == null ? part.logLikelihood : logLikelihood.addi(part.logLikelihood);
            }
        }

        // d E = sum over blocks of g^T @ x, in block order, beside the backward pass through the layers.
        Lanes.Pending<NDArray> itemGrad = lanes.beside(() -> {
            NDArray sum = null;
            for (int b = 0; b < numBlocks; b++) {
                try (NDManager tmp = scope.newSubManager()) {
                    NDArray part = tmp(logitGrads.get(b).transpose().matMul(xs.get(b)), tmp);
                    sum = sum == null ? keep(part, scope) : sum.addi(part);
                }
            }
            return sum.divi(sessions);
        });
        try {
            NDArray srGrad = (srGrads.size() == 1 ? srGrads.get(0) : NDArrays.concat(srGrads, 0)).divi(sessions);
            JniUtils.backward((PtNDArray) sr, (PtNDArray) srGrad, false, false);
        } finally {
            NDArray embeddingGrad = items.getGradient();
            try {
                embeddingGrad.addi(itemGrad.join());
            } finally {
                embeddingGrad.close();
            }
        }
        return -logLikelihood.getFloat() / sessions;
    }

    /**
     * Evaluation: 1 + the number of items scored strictly above each label, in session order (a
     * block's ranks per array). The model must be in the state of an eval-mode forward pass.
     */
    public static List<long[]> ranks(Lessr model, NDArray sr, NDArray labels, Lanes lanes) {
        NDManager scope = sr.getManager();
        NDArray weights = model.embedding().getArray().stopGradient();
        weights.attach(scope);
        NDArray weightsT = weights.transpose();
        long[] starts = blockStarts(model, sr.getShape().get(0));
        int numBlocks = starts.length + 1;
        NDList xs = sr.split(starts, 0);
        NDList ys = labels.split(starts, 0);
        List<long[]> ranks = new ArrayList<>(numBlocks);
        for (List<long[]> part : lanes.run(lane -> {
            int[] range = Lanes.range(lane, numBlocks);
            List<long[]> laneRanks = new ArrayList<>();
            for (int b = range[0]; b < range[1]; b++) {
                try (NDManager tmp = scope.newSubManager()) {
                    laneRanks.add(TrainRunner.ranks(tmp(xs.get(b).matMul(weightsT), tmp), ys.get(b)));
                }
            }
            return laneRanks;
        })) {
            ranks.addAll(part);
        }
        return ranks;
    }

    /** Where each block of {@link Lessr#scoreBlock()} sessions after the first starts. */
    private static long[] blockStarts(Lessr model, long sessions) {
        int block = model.scoreBlock();
        long[] starts = new long[(int) Math.max(0, (sessions + block - 1) / block - 1)];
        for (int b = 0; b < starts.length; b++) {
            starts[b] = (long) (b + 1) * block;
        }
        return starts;
    }

    /** {@code array}, moved to the block's temporary manager (an op puts its result on its first operand's). */
    private static NDArray tmp(NDArray array, NDManager tmp) {
        array.attach(tmp);
        return array;
    }

    private static NDArray keep(NDArray array, NDManager scope) {
        array.attach(scope);
        return array;
    }
}

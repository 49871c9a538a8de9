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
 * which is what autograd computes for the same expression. The lanes take contiguous halves of the
 * blocks; {@code d E} is each lane's sum over its blocks in block order, then lane 0's plus lane 1's,
 * so the result does not depend on how many threads ran. {@code d sr} then flows back through the
 * graph layers by autograd and {@code d E} is added to the embedding's gradient (which the item
 * look-up also feeds).
 */
public final class BlockScoring {
    private BlockScoring() {}

    /** One lane's part: the gradients of its blocks' representations, its sum of d E, its summed log-likelihood. */
    private record Part(List<NDArray> srGrads, NDArray itemGrad, NDArray logLikelihood) {}

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

        List<Part> parts = lanes.run(lane -> {
            int[] range = Lanes.range(lane, numBlocks);
            List<NDArray> srGrads = new ArrayList<>();
            NDArray itemGrad = null;
            NDArray logLikelihood = null;
            for (int b = range[0]; b < range[1]; b++) {
                // A block's temporaries die with it, so the next block reuses their memory.
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
                    // d E while g is in the cache: at 40,000 items a batch's g is some 90 MB.
                    NDArray blockItemGrad = g.transpose().matMul(x);
                    itemGrad = itemGrad == null ? keep(blockItemGrad, scope) : itemGrad.addi(blockItemGrad);
                    logLikelihood = logLikelihood == null ? keep(sum, scope) : logLikelihood.addi(sum);
                }
            }
            return new Part(srGrads, itemGrad, logLikelihood);
        });

        NDList srGrads = new NDList();
        NDArray itemGrad = null;
        NDArray logLikelihood = null;
        for (Part part : parts) {
            if (part.itemGrad == null) {
                continue; // a lane without blocks
            }
            srGrads.addAll(part.srGrads);
            itemGrad = itemGrad == null ? part.itemGrad : itemGrad.addi(part.itemGrad);
            logLikelihood = logLikelihood == null ? part.logLikelihood : logLikelihood.addi(part.logLikelihood);
        }
        NDArray srGrad = (srGrads.size() == 1 ? srGrads.get(0) : NDArrays.concat(srGrads, 0)).divi(sessions);
        JniUtils.backward((PtNDArray) sr, (PtNDArray) srGrad, false, false);
        NDArray embeddingGrad = items.getGradient();
        try {
            embeddingGrad.addi(itemGrad.divi(sessions));
        } finally {
            embeddingGrad.close();
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

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

    /** The item embedding and the batch cut into blocks of sessions with their labels. */
    private record Blocks(NDArray weights, NDArray weightsT, NDList xs, NDList ys, int count) {
        /** {@code sr} must be outside autograd (scores for evaluation, or a detached view). */
        static Blocks of(Lessr model, NDArray sr, NDArray labels) {
            NDArray weights = attached(model.embedding().getArray().stopGradient(), sr.getManager());
            int block = model.scoreBlock();
            long[] starts = new long[(int) Math.max(0, (sr.getShape().get(0) + block - 1) / block - 1)];
            for (int b = 0; b < starts.length; b++) {
                starts[b] = (long) (b + 1) * block;
            }
            return new Blocks(weights, weights.transpose(), sr.split(starts, 0), labels.split(starts, 0), starts.length + 1);
        }
    }

    /** One lane's part: the gradients of its blocks' representations, its sum of d E, its summed log-likelihood. */
    record Part(List<NDArray> srGrads, NDArray itemGrad, NDArray logLikelihood) {
        /** The part's {@code d sr}. */
        NDArray srGrad(long sessions) {
            return joined(srGrads, sessions);
        }
    }

    /** Blocks' gradients of their representations, joined and divided by the batch's size. */
    private static NDArray joined(List<NDArray> srGrads, long sessions) {
        return (srGrads.size() == 1 ? srGrads.get(0) : NDArrays.concat(new NDList(srGrads), 0)).divi(sessions);
    }

    /**
     * Computes the mean cross-entropy of the batch, puts its gradient into the embedding's and, by a
     * backward pass from {@code sr}, into every other parameter's; returns the loss. Call inside the
     * gradient collector that recorded {@code sr}, after the model's forward pass (which renormalised
     * the embedding).
     */
    public static float backward(Lessr model, NDArray sr, NDArray labels, Lanes lanes) {
        // A view of sr outside autograd.
        Loss loss = loss(model, attached(sr.stopGradient(), sr.getManager()), labels, lanes);
        JniUtils.backward((PtNDArray) sr, (PtNDArray) loss.srGrad(), false, false);
        loss.addItemGrad(model);
        return loss.value();
    }

    /**
     * The batch's mean cross-entropy {@code value}, its gradient {@code srGrad} with respect to the
     * session representations and, in {@code laneItemGrads}, the lanes' undivided sums of its gradient
     * with respect to the item embedding through the scores (the look-up's share comes by autograd).
     */
    record Loss(float value, NDArray srGrad, List<NDArray> laneItemGrads, long sessions) {
        /**
         * Adds {@code itemGrad}, the lanes' sums of d E in lane order divided by the batch's size, to the
         * embedding's gradient, after the backward pass has put the look-up's there (on a lane, not
         * between the lanes' runs).
         */
        void addItemGrad(Lessr model) {
            NDArray itemGrad = laneItemGrads.get(0);
            for (int i = 1; i < laneItemGrads.size(); i++) {
                itemGrad.addi(laneItemGrads.get(i));
            }
            NDArray embeddingGrad = model.embedding().getArray().getGradient();
            try {
                embeddingGrad.addi(itemGrad.divi(sessions));
            } finally {
                embeddingGrad.close();
            }
        }
    }

    /** The loss of {@code sr}, which must be outside autograd; the embedding must be renormalised. */
    static Loss loss(Lessr model, NDArray sr, NDArray labels, Lanes lanes) {
        NDManager scope = sr.getManager();
        long sessions = sr.getShape().get(0);
        Blocks blocks = Blocks.of(model, sr, labels);

        List<Part> parts = lanes.run(lane -> {
            int[] range = Lanes.range(lane, blocks.count());
            return score(blocks, range[0], range[1], scope);
        });
        return combine(parts, sessions, true);
    }

    /**
     * Blocks {@code [from, to)}: each block's gradient of its representations (not yet divided by the
     * batch's size), their sum of {@code d E} in block order and their summed log-likelihood.
     */
    private static Part score(Blocks blocks, int from, int to, NDManager scope) {
        List<NDArray> srGrads = new ArrayList<>();
        NDArray itemGrad = null;
        NDArray logLikelihood = null;
        for (int b = from; b < to; b++) {
            // A block's temporaries die with it, so the next block reuses their memory.
            try (NDManager tmp = scope.newSubManager()) {
                NDArray x = blocks.xs().get(b);
                NDArray logp = attached(x.matMul(blocks.weightsT()), tmp).logSoftmax(1);
                NDIndex atLabels = Losses.labelIndex(logp, blocks.ys().get(b));
                NDArray picked = logp.get(atLabels);
                NDArray sum = picked.sum();
                NDArray g = logp.exp(); // the softmax
                g.set(atLabels, picked.exp().subi(1f));
                srGrads.add(attached(g.matMul(blocks.weights()), scope));
                // d E while g is in the cache: at 40,000 items a batch's g is some 90 MB.
                NDArray blockItemGrad = g.transpose().matMul(x);
                itemGrad = itemGrad == null ? attached(blockItemGrad, scope) : itemGrad.addi(blockItemGrad);
                logLikelihood = logLikelihood == null ? attached(sum, scope) : logLikelihood.addi(sum);
            }
        }
        return new Part(srGrads, itemGrad, logLikelihood);
    }

    /** The lanes' parts in lane order made one loss of a batch of {@code sessions} (its {@code d sr} if asked). */
    private static Loss combine(List<Part> parts, long sessions, boolean withSrGrad) {
        List<NDArray> srGrads = new ArrayList<>();
        List<NDArray> itemGrads = new ArrayList<>();
        NDArray logLikelihood = null;
        for (Part part : parts) {
            if (part.itemGrad == null) {
                continue; // a lane without blocks
            }
            srGrads.addAll(part.srGrads);
            itemGrads.add(part.itemGrad);
            logLikelihood = logLikelihood == null ? part.logLikelihood : logLikelihood.addi(part.logLikelihood);
        }
        NDArray srGrad = withSrGrad ? joined(srGrads, sessions) : null;
        return new Loss(-logLikelihood.getFloat() / sessions, srGrad, itemGrads, sessions);
    }

    /**
     * Whether, for a batch of {@code sessions}, lane {@code lane}'s contiguous sessions {@code [from,
     * to)} are exactly the blocks {@link #loss} would give it, so that the lane can score them alone.
     */
    static boolean laneAligned(Lessr model, long sessions, int lane, long from, long to) {
        int block = model.scoreBlock();
        int count = (int) ((sessions + block - 1) / block);
        int[] range = Lanes.range(lane, count);
        return from == (long) range[0] * block && to == Math.min(sessions, (long) range[1] * block);
    }

    /** Whether every lane's part of a batch cut into parts of {@code sizes} (in lane order) is {@link #laneAligned}. */
    static boolean lanesAligned(Lessr model, long[] sizes) {
        long sessions = 0;
        for (long size : sizes) {
            sessions += size;
        }
        long at = 0;
        for (int lane = 0; lane < sizes.length; lane++) {
            if (!laneAligned(model, sessions, lane, at, at + sizes[lane])) {
                return false;
            }
            at += sizes[lane];
        }
        return true;
    }

    /**
     * Scores a lane's sessions {@code sr} (outside autograd) with labels, as its share of the batch's
     * {@link #loss} when its sessions are whole blocks of the batch ({@link #laneAligned}).
     */
    static Part scoreLane(Lessr model, NDArray sr, NDArray labels) {
        Blocks blocks = Blocks.of(model, sr, labels);
        return score(blocks, 0, blocks.count(), sr.getManager());
    }

    /** The lanes' {@link #scoreLane} parts, in lane order, combined as {@link #loss} combines its lanes' (no {@code d sr}). */
    static Loss combineLanes(List<Part> lanes, long sessions) {
        return combine(lanes, sessions, false);
    }

    /**
     * Evaluation: 1 + the number of items scored strictly above each label, in session order (a
     * block's ranks per array). The model must be in the state of an eval-mode forward pass.
     */
    public static List<long[]> ranks(Lessr model, NDArray sr, NDArray labels, Lanes lanes) {
        Blocks blocks = Blocks.of(model, sr, labels);
        List<long[]> ranks = new ArrayList<>(blocks.count());
        for (List<long[]> part : lanes.run(lane -> {
            int[] range = Lanes.range(lane, blocks.count());
            return ranks(blocks, range[0], range[1], sr.getManager());
        })) {
            ranks.addAll(part);
        }
        return ranks;
    }

    /**
     * {@link #ranks} of a lane's sessions {@code sr} with their labels, on the lane's thread: the ranks
     * of the batch's blocks that are the lane's when its sessions are whole blocks ({@link #laneAligned}).
     */
    static List<long[]> laneRanks(Lessr model, NDArray sr, NDArray labels) {
        Blocks blocks = Blocks.of(model, sr, labels);
        return ranks(blocks, 0, blocks.count(), sr.getManager());
    }

    /** The ranks of blocks {@code [from, to)}, one array a block. */
    private static List<long[]> ranks(Blocks blocks, int from, int to, NDManager scope) {
        List<long[]> ranks = new ArrayList<>(to - from);
        for (int b = from; b < to; b++) {
            try (NDManager tmp = scope.newSubManager()) {
                NDArray logits = attached(blocks.xs().get(b).matMul(blocks.weightsT()), tmp);
                ranks.add(TrainRunner.ranks(logits, blocks.ys().get(b)));
            }
        }
        return ranks;
    }

    /**
     * {@code array}, moved to {@code manager}: an op puts its result on its first operand's manager,
     * so a block's temporaries are moved to the block's and its results to the batch's.
     */
    private static NDArray attached(NDArray array, NDManager manager) {
        array.attach(manager);
        return array;
    }
}

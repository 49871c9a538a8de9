package io.lessr.train;

import io.lessr.model.Lessr;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import java.util.List;
import ai.djl.ndarray.index.NDIndex;

/** Loss functions of the walkthrough. */
public final class Losses {
    private Losses() {}

    /** {@code nn.functional.cross_entropy(logits, labels)}: mean negative log-likelihood of the labels. */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        return atLabels(logits.logSoftmax(1), labels).mean().neg();
    }

    /**
     * The same cross-entropy, from the session representations: the logits are made and consumed
     * a block of sessions at a time ({@link Lessr#scoresInBlocks}), which is faster on a CPU.
     */
    public static NDArray crossEntropy(Lessr model, ParameterStore ps, NDArray sessionRepresentations, NDArray labels,
            boolean training) {
        List<NDArray> logLikelihoods = model.scoresInBlocks(ps, sessionRepresentations, training,
                (logits, from) -> atLabels(logits.logSoftmax(1), rows(labels, from, logits)));
        return (logLikelihoods.size() == 1 ? logLikelihoods.get(0) : NDArrays.concat(new NDList(logLikelihoods))).mean().neg();
    }

    /** The labels of the sessions {@code from .. from + block rows}. */
    static NDArray rows(NDArray labels, int from, NDArray block) {
        long n = block.getShape().get(0);
        return n == labels.getShape().get(0) ? labels : labels.get(new NDIndex().addSliceDim(from, from + n));
    }

    /** {@code scores[i, labels[i]]} for every row i: each sample's score of its own label. */
    public static NDArray atLabels(NDArray scores, NDArray labels) {
        NDArray rows = scores.getManager().arange(0, (int) scores.getShape().get(0), 1, labels.getDataType());
        return scores.get(new NDIndex("{}, {}", rows, labels));
    }
}

package io.lessr.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/** Loss functions of the walkthrough. */
public final class Losses {
    private Losses() {}

    /** {@code nn.functional.cross_entropy(logits, labels)}: mean negative log-likelihood of the labels. */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        return atLabels(logits.logSoftmax(1), labels).mean().neg();
    }

    /** {@code scores[i, labels[i]]} for every row i: each sample's score of its own label. */
    public static NDArray atLabels(NDArray scores, NDArray labels) {
        return scores.get(labelIndex(scores, labels));
    }

    /** The index of {@code (i, labels[i])} for every row i of {@code scores}, to read or write those entries. */
    static NDIndex labelIndex(NDArray scores, NDArray labels) {
        NDArray rows = scores.getManager().arange(0, (int) scores.getShape().get(0), 1, labels.getDataType());
        return new NDIndex("{}, {}", rows, labels);
    }
}

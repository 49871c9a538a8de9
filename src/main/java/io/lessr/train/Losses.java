package io.lessr.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/** Loss functions of the walkthrough. */
public final class Losses {
    private Losses() {}

    /** {@code nn.functional.cross_entropy(logits, labels)}: mean negative log-likelihood of the labels. */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray rows = logits.getManager().arange(0, (int) logits.getShape().get(0), 1, labels.getDataType());
        return logits.logSoftmax(1).get(new NDIndex("{}, {}", rows, labels)).mean().neg();
    }
}

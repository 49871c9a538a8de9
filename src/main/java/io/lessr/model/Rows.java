package io.lessr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.SparseFormat;

/** Row gathers, the most frequent operation of message passing. */
final class Rows {
    private Rows() {}

    /**
     * {@code x[index]} along the first axis, with gradient. Uses {@code torch.embedding}
     * (index_select), several times faster on the CPU than advanced indexing through {@code
     * NDArray.get}; the result lives on the index's manager, so gathering from a parameter leaks
     * nothing into the model's.
     */
    static NDArray gather(NDArray x, NDArray index) {
        return index.getNDArrayInternal().embedding(index, x, SparseFormat.DENSE).singletonOrThrow();
    }
}

package io.lessr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.function.UnaryOperator;

/** Row operations of message passing: gathers, and matrix products that do not depend on the batch. */
final class Rows {
    /**
     * libtorch's CPU GEMM takes another path, which rounds differently, for products with fewer than
     * 4 rows; with at least this many rows every row's result is the same bits whatever else is in
     * the batch, so a session scores the same alone or batched with others.
     */
    static final int MIN_GEMM_ROWS = 16;

    private Rows() {}

    /**
     * Moves {@code result} to the manager of {@code batchArray}: an op led by a parameter puts its
     * result on the model's manager, where it would outlive the batch.
     */
    static NDArray onto(NDArray batchArray, NDArray result) {
        result.attach(batchArray.getManager());
        return result;
    }

    /** {@code x @ w} (x: (rows, k)), with x padded to {@link #MIN_GEMM_ROWS} rows when shorter. */
    static NDArray matMul(NDArray x, NDArray w) {
        return padded(x, p -> p.matMul(w));
    }

    /** Applies a row-wise {@code op} to {@code x} padded with zero rows to at least {@link #MIN_GEMM_ROWS}. */
    static NDArray padded(NDArray x, UnaryOperator<NDArray> op) {
        long rows = x.getShape().get(0);
        if (rows >= MIN_GEMM_ROWS) {
            return op.apply(x);
        }
        NDArray zeros = x.getManager().zeros(new Shape(MIN_GEMM_ROWS - rows, x.getShape().get(1)),
                x.getDataType());
        NDArray out = op.apply(NDArrays.concat(new NDList(x, zeros)));
        return out.get(new NDIndex().addSliceDim(0, rows));
    }

    /**
     * Where each part after the first starts, for parts of the given sizes: the argument of {@code
     * NDArray.split}. Splitting once, rather than slicing each part, matters for the backward pass:
     * a slice's gradient is a zero-filled copy of the whole tensor, a split's is one concatenation.
     */
    static long[] starts(long[] sizes) {
        long[] starts = new long[Math.max(0, sizes.length - 1)];
        long start = 0;
        for (int i = 0; i < starts.length; i++) {
            start += sizes[i];
            starts[i] = start;
        }
        return starts;
    }

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

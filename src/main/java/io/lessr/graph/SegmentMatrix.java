package io.lessr.graph;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Segment sums as one sparse product, as DGL's {@code segment_reduce} and {@code u_mul_e_sum} compute
 * them: a {@code (segments, rows)} COO matrix with a 1 at {@code (segment of row r, r)}, so that {@code
 * matrix.matMul(rows)} sums the rows of each segment (with gradients; DJL has no scatter-add).
 */
public final class SegmentMatrix {
    private SegmentMatrix() {}

    /** The 0/1 matrix that sums row {@code r} into segment {@code segmentOfRow[r]}. */
    public static NDArray of(NDManager manager, int[] segmentOfRow, int numSegments) {
        long[][] indices = new long[2][segmentOfRow.length];
        for (int r = 0; r < segmentOfRow.length; r++) {
            indices[0][r] = segmentOfRow[r];
            indices[1][r] = r;
        }
        return ones(manager, indices, new Shape(numSegments, segmentOfRow.length));
    }

    /**
     * A sparse COO matrix with a 1 at each (row, col). Not {@code NDManager.createCoo}: it closes the
     * dense index array right away, while on the CPU the sparse tensor still reads the Java buffer
     * behind it, which the garbage collector then frees. Here the index array lives as long as the
     * manager's scope.
     */
    static NDArray ones(NDManager manager, long[][] indices, Shape shape) {
        int n = indices[1].length;
        long[] flat = new long[2 * n];
        System.arraycopy(indices[0], 0, flat, 0, n);
        System.arraycopy(indices[1], 0, flat, n, n);
        NDArray values = manager.ones(new Shape(n));
        NDArray coordinates = manager.create(flat, new Shape(2, n));
        return JniUtils.createSparseCoo((PtNDArray) coordinates, (PtNDArray) values, shape);
    }
}

package io.lessr.model;

import ai.djl.ndarray.NDArray;

/** Segment operations over a flat list of rows, with a sparse 0/1 matrix saying which row goes where. */
final class Segments {
    private Segments() {}

    /**
     * For each segment s: {@code sum_r softmax(scores)_r * values_r} over the rows r in s, the softmax
     * taken within the segment. {@code membership} is a sparse {@code (segments, rows)} matrix with a
     * 1 where row r belongs to segment s (every row belongs to exactly one).
     *
     * <p>The scores are shifted by their maximum over the whole batch before {@code exp}; softmax is
     * invariant to a shift, and LESSR's scores are {@code w . sigmoid(...)}, bounded by the L1 norm of
     * {@code w}, so no segment can underflow unless that norm exceeds ~40.
     */
    static NDArray softmaxWeightedSum(NDArray membership, NDArray scores, NDArray values) {
        NDArray weights = scores.sub(scores.max().stopGradient()).exp(); // (rows, 1)
        NDArray numerator = membership.matMul(values.mul(weights));
        NDArray denominator = membership.matMul(weights);
        return numerator.div(denominator);
    }
}

package io.lessr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;

/** Segment operations over a flat list of rows, with a sparse 0/1 matrix saying which row goes where. */
final class Segments {
    private Segments() {}

    /** The L1 norm of a score layer's weight: the bound of its scores over sigmoid inputs. */
    static NDArray scoreBound(Block scoreLayer, NDArray like) {
        NDArray weight = scoreLayer.getParameters().get("weight").getArray();
        NDArray abs = weight.abs(); // led by a parameter: lands on the model's manager, so move it
        abs.attach(like.getManager());
        return abs.sum();
    }

    /**
     * For each segment s: {@code sum_r softmax(scores)_r * values_r} over the rows r in s, the softmax
     * taken within the segment. {@code membership} is a sparse {@code (segments, rows)} matrix with a
     * 1 where row r belongs to segment s (every row belongs to exactly one).
     *
     * <p>LESSR's scores are {@code w . sigmoid(...)}, so they lie within +-{@code bound}, the L1 norm
     * of {@code w}. Softmax is invariant to a shift: shifting by {@code bound} (not by the batch's
     * maximum) keeps {@code exp} from overflowing and keeps each segment's result independent of the
     * other sessions in the batch; a segment could only underflow if the bound exceeded ~43.
     */
    static NDArray softmaxWeightedSum(NDArray membership, NDArray scores, NDArray values, NDArray bound) {
        NDArray weights = scores.sub(bound.stopGradient()).exp(); // (rows, 1)
        NDArray numerator = membership.matMul(values.mul(weights));
        NDArray denominator = membership.matMul(weights);
        return numerator.div(denominator);
    }

    /**
     * The weights {@link #softmaxWeightedSum} sums with, one per row: {@code softmax(scores)} within each
     * segment; {@code segmentOfRow} gives each row's segment. They sum to 1 over every segment.
     */
    static NDArray softmax(NDArray membership, NDArray segmentOfRow, NDArray scores, NDArray bound) {
        NDArray weights = scores.sub(bound.stopGradient()).exp(); // (rows, 1)
        return weights.div(Rows.gather(membership.matMul(weights), segmentOfRow));
    }
}

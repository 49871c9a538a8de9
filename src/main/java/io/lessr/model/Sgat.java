package io.lessr.model;

import static io.lessr.graph.GraphBatch.SHORTCUT_DST;
import static io.lessr.graph.GraphBatch.SHORTCUT_SRC;
import static io.lessr.graph.GraphBatch.SHORTCUT_SUM;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;

/**
 * Shortcut graph attention (paper, section 4.2): every node attends over its incoming shortcut
 * edges, which include a self-loop.
 *
 * <pre>
 *   feat = dropout(batch_norm(feat))
 *   e    = fc_e(sigmoid(fc_q(feat)[src] + fc_k(feat)[dst]))
 *   a    = softmax of e over each destination's incoming edges
 *   out  = activation(sum over incoming edges of a * fc_v(feat)[src])
 * </pre>
 */
public final class Sgat extends GraphLayer {
    private final Linear fcQ;
    private final Linear fcK;
    private final Linear fcV;
    private final Linear fcE;
    private final Prelu activation;

    public Sgat(int inputDim, int hiddenDim, int outputDim, boolean batchNorm, double featDrop) {
        super(inputDim, outputDim, batchNorm, featDrop);
        Shape in = new Shape(1, inputDim);
        this.fcQ = child("fc_q", linear(hiddenDim, true), in);
        this.fcK = child("fc_k", linear(hiddenDim, false), in);
        this.fcV = child("fc_v", linear(outputDim, false), in);
        this.fcE = child("fc_e", linear(1, false), new Shape(1, hiddenDim));
        this.activation = child("activation", new Prelu(outputDim), new Shape(1, outputDim));
    }

    @Override
    protected NDArray body(ParameterStore ps, NDArray normed, NDArray feat, NDList graph, boolean training) {
        NDArray e = scores(ps, feat, graph, training);
        NDArray v = Rows.gather(apply(fcV, ps, feat, training), graph.get(SHORTCUT_SRC));
        NDArray rst = Segments.softmaxWeightedSum(graph.get(SHORTCUT_SUM), e, v, Segments.scoreBound(fcE, e));
        return apply(activation, ps, rst, training);
    }

    /** {@code e}: one score per shortcut edge. */
    private NDArray scores(ParameterStore ps, NDArray feat, NDList graph, boolean training) {
        NDArray q = Rows.gather(apply(fcQ, ps, feat, training), graph.get(SHORTCUT_SRC));
        NDArray k = Rows.gather(apply(fcK, ps, feat, training), graph.get(SHORTCUT_DST));
        return apply(fcE, ps, Activation.sigmoid(q.add(k)), training);
    }

    /**
     * {@code a} in eval mode: each shortcut edge's weight in its destination's sum (DGL's {@code
     * edge_softmax}), one per edge of the batch; {@code normed} is the layer's input after its batch norm.
     */
    public NDArray attention(ParameterStore ps, NDArray normed, NDList graph) {
        NDArray e = scores(ps, normed, graph, false);
        return Segments.softmax(graph.get(SHORTCUT_SUM), graph.get(SHORTCUT_DST), e, Segments.scoreBound(fcE, e)).reshape(-1);
    }
}

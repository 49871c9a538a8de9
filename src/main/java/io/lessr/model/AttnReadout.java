package io.lessr.model;

import static io.lessr.graph.GraphBatch.LAST_NODES;
import static io.lessr.graph.GraphBatch.NODE_SESSIONS;
import static io.lessr.graph.GraphBatch.SESSION_SUM;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;

/**
 * Attention readout (paper, section 4.3): a session's global preference is an attention-weighted
 * sum of its nodes, the weights conditioned on the last item's node.
 *
 * <pre>
 *   feat  = dropout(batch_norm(feat))
 *   e     = fc_e(sigmoid(fc_u(feat) + fc_v(feat[last])[session of node]))
 *   alpha = softmax of e over each session's nodes
 *   out   = activation(fc_out(sum over the session's nodes of alpha * feat))
 * </pre>
 */
public final class AttnReadout extends GraphLayer {
    private final Linear fcU;
    private final Linear fcV;
    private final Linear fcE;
    private final Linear fcOut;
    private final Prelu activation;

    public AttnReadout(int inputDim, int hiddenDim, int outputDim, boolean batchNorm, double featDrop) {
        super(inputDim, outputDim, batchNorm, featDrop);
        Shape in = new Shape(1, inputDim);
        this.fcU = child("fc_u", linear(hiddenDim, false), in);
        this.fcV = child("fc_v", linear(hiddenDim, true), in);
        this.fcE = child("fc_e", linear(1, false), new Shape(1, hiddenDim));
        this.fcOut = outputDim != inputDim ? child("fc_out", linear(outputDim, false), in) : null;
        this.activation = child("activation", new Prelu(outputDim), new Shape(1, outputDim));
    }

    @Override
    protected NDArray body(ParameterStore ps, NDArray normed, NDArray feat, NDList graph, boolean training) {
        NDArray e = scores(ps, feat, graph, training);
        NDArray rst = Segments.softmaxWeightedSum(graph.get(SESSION_SUM), e, feat, Segments.scoreBound(fcE, e));
        if (fcOut != null) {
            rst = apply(fcOut, ps, rst, training);
        }
        return apply(activation, ps, rst, training);
    }

    /** {@code e}: one score per node, conditioned on its session's last node. */
    private NDArray scores(ParameterStore ps, NDArray feat, NDList graph, boolean training) {
        NDArray featU = apply(fcU, ps, feat, training);
        NDArray featV = Rows.gather(
                apply(fcV, ps, Rows.gather(feat, graph.get(LAST_NODES)), training), graph.get(NODE_SESSIONS));
        return apply(fcE, ps, Activation.sigmoid(featU.add(featV)), training);
    }

    /**
     * {@code alpha} in eval mode: each node's weight in its session's sum (DGL's {@code softmax_nodes}), one
     * per node of the batch; {@code normed} is the readout's input after its batch norm.
     */
    public NDArray attention(ParameterStore ps, NDArray normed, NDList graph) {
        NDArray e = scores(ps, normed, graph, false);
        return Segments.softmax(graph.get(SESSION_SUM), graph.get(NODE_SESSIONS), e, Segments.scoreBound(fcE, e)).reshape(-1);
    }
}

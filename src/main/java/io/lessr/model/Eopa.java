package io.lessr.model;

import static io.lessr.graph.GraphBatch.EOP_SOURCES;
import static io.lessr.graph.GraphBatch.EOP_STEPS;
import static io.lessr.graph.GraphBatch.NEIGH_INDEX;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;

/**
 * Edge-order preserving aggregation (paper, section 4.1) over the EOP multigraph: a GRU reads each
 * node's incoming messages in edge (time) order and its final state is the neighbourhood summary;
 * nodes without in-edges get zeros, as DGL gives them. All nodes share one packed {@link Gru} run.
 *
 * <pre>
 *   feat  = batch_norm(feat)
 *   neigh = GRU over dropout(feat)[sources of in-edges]
 *   out   = activation(fc_self(feat) + fc_neigh(neigh))
 * </pre>
 *
 * {@code fc_self} takes the normalised, undropped features, exactly as the walkthrough.
 */
public final class Eopa extends GraphLayer {
    private final Gru gru;
    private final Linear fcSelf;
    private final Linear fcNeigh;
    private final Prelu activation;

    public Eopa(int inputDim, int outputDim, boolean batchNorm, double featDrop) {
        super(inputDim, outputDim, batchNorm, featDrop);
        Shape in = new Shape(1, inputDim);
        this.gru = child("gru", new Gru(inputDim, inputDim), in);
        this.fcSelf = child("fc_self", linear(outputDim, false), in);
        this.fcNeigh = child("fc_neigh", linear(outputDim, false), in);
        this.activation = child("activation", new Prelu(outputDim), in);
    }

    @Override
    protected NDArray body(ParameterStore ps, NDArray normed, NDArray messages, NDList graph, boolean training) {
        long[] steps = graph.get(EOP_STEPS).toLongArray();
        NDArray neigh;
        if (steps.length == 0) {
            neigh = normed.zerosLike(); // no edges in the whole batch
        } else {
            NDArray states = gru.finalStates(ps, Rows.gather(messages, graph.get(EOP_SOURCES)), steps, training);
            // Row 0 is the zero state of nodes without in-edges.
            NDArray zero = normed.getManager().zeros(new Shape(1, states.getShape().get(1)), states.getDataType());
            neigh = Rows.gather(NDArrays.concat(new NDList(zero, states)), graph.get(NEIGH_INDEX));
        }
        NDArray rst = apply(fcSelf, ps, normed, training).add(apply(fcNeigh, ps, neigh, training));
        return apply(activation, ps, rst, training);
    }
}

package io.lessr.model;

import static io.lessr.graph.GraphBatch.FIRST_BUCKET;
import static io.lessr.graph.GraphBatch.NEIGH_INDEX;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.recurrent.GRU;
import ai.djl.training.ParameterStore;

/**
 * Edge-order preserving aggregation (paper, section 4.1) over the EOP multigraph: a GRU reads each
 * node's incoming messages in edge (time) order and its final state is the neighbourhood summary;
 * nodes without in-edges get zeros, as DGL gives them.
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
    private final BatchNorm batchNorm;
    private final Dropout featDrop;
    private final GRU gru;
    private final Linear fcSelf;
    private final Linear fcNeigh;
    private final Prelu activation;

    public Eopa(int inputDim, int outputDim, boolean batchNorm, double featDrop) {
        super(outputDim);
        Shape in = new Shape(1, inputDim);
        this.batchNorm = batchNorm ? child("batch_norm", batchNorm(), in) : null;
        this.featDrop = featDrop > 0 ? child("feat_drop", dropout(featDrop), in) : null;
        this.gru = child("gru",
                GRU.builder().setStateSize(inputDim).setNumLayers(1).optBatchFirst(true).optReturnState(true).build(),
                new Shape(new long[] {1, 1, inputDim}, "NTC"));
        this.fcSelf = child("fc_self", linear(outputDim, false), in);
        this.fcNeigh = child("fc_neigh", linear(outputDim, false), in);
        this.activation = child("activation", new Prelu(outputDim), in);
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray feat, NDList graph, boolean training) {
        NDArray normed = batchNorm == null ? feat : apply(batchNorm, ps, feat, training);
        NDArray messages = featDrop == null ? normed : apply(featDrop, ps, normed, training);
        long dim = feat.getShape().get(1);
        // Row 0 is the zero state of nodes without in-edges; then one GRU call per in-degree bucket.
        NDList states = new NDList(graph.size() - FIRST_BUCKET + 1);
        states.add(feat.getManager().zeros(new Shape(1, dim), feat.getDataType()));
        for (int b = FIRST_BUCKET; b < graph.size(); b++) {
            NDArray sources = graph.get(b); // (nodes, degree)
            NDArray sequence = messages.get(sources.flatten()).reshape(sources.getShape().get(0), -1, dim);
            NDArray lastState = gru.forward(ps, new NDList(sequence), training).get(1);
            states.add(lastState.reshape(-1, dim));
        }
        NDArray neigh = NDArrays.concat(states).get(graph.get(NEIGH_INDEX));
        NDArray rst = apply(fcSelf, ps, normed, training).add(apply(fcNeigh, ps, neigh, training));
        return apply(activation, ps, rst, training);
    }
}

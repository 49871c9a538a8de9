package io.lessr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A layer over a batch of session graphs: node features in, node (or session) features out. Every
 * layer opens with its input's batch norm (when configured) and dropout (when the rate is positive),
 * then computes its {@link #body}. Its DJL inputs are {@code [feat, graph tensors...]}, the graph
 * tensors laid out as {@link io.lessr.graph.GraphBatch#toNDList} makes them.
 */
public abstract class GraphLayer extends TorchBlock {
    protected final int outputDim;
    private final int inputDim;
    private final BatchNorm batchNorm;
    private final Dropout featDrop;
    private final float dropRate;

    protected GraphLayer(int inputDim, int outputDim, boolean batchNorm, double featDrop) {
        this.outputDim = outputDim;
        this.inputDim = inputDim;
        Shape in = new Shape(1, inputDim);
        this.batchNorm = batchNorm ? child("batch_norm", batchNorm(), in) : null;
        this.featDrop = featDrop > 0 ? child("feat_drop", dropout(featDrop), in) : null;
        this.dropRate = (float) featDrop;
    }

    /** Applies the layer to node features {@code feat} over the batch's {@code graph} tensors. */
    public NDArray forward(ParameterStore ps, NDArray feat, NDList graph, boolean training) {
        return stage().forward(ps, feat, graph, training);
    }

    /** This layer as a {@link Stage}: its batch norm and dropout, then its body. */
    public Stage stage() {
        return stage((p, x, normed, dropped, g, t) -> body(p, normed, dropped, g, t));
    }

    /** The layer on its input's normalised ({@code normed}) and then dropped-out ({@code dropped}) form. */
    protected abstract NDArray body(ParameterStore ps, NDArray normed, NDArray dropped, NDList graph, boolean training);

    /** This layer's batch norm and dropout, followed by {@code body}. */
    Stage stage(Stage.Body body) {
        return new Stage(batchNorm, featDrop, dropRate, inputDim, false, body);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.head(), inputs.subNDList(1), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), outputDim)};
    }
}

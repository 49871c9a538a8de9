package io.lessr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A layer over a batch of session graphs: node features in, node (or session) features out. Its
 * DJL inputs are {@code [feat, graph tensors...]}, the graph tensors laid out as {@link
 * io.lessr.graph.GraphBatch#toNDList} makes them.
 */
public abstract class GraphLayer extends TorchBlock {
    protected final int outputDim;

    protected GraphLayer(int outputDim) {
        this.outputDim = outputDim;
    }

    /** Applies the layer to node features {@code feat} over the batch's {@code graph} tensors. */
    public abstract NDArray forward(ParameterStore ps, NDArray feat, NDList graph, boolean training);

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

package io.lessr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;

/**
 * PyTorch's {@code nn.PReLU(channels)}: one learnable slope per channel, initialised to 0.25.
 * (DJL's own {@code Prelu} has a single scalar slope.)
 */
public final class Prelu extends TorchBlock {
    private final Parameter weight;

    public Prelu(int channels) {
        weight = addParameter(Parameter.builder()
                .setName("weight")
                .setType(Parameter.Type.OTHER)
                .optInitializer(new ConstantInitializer(0.25f))
                .optShape(new Shape(channels))
                .build());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.head();
        NDArray alpha = ps.getValue(weight, x.getDevice(), training);
        // relu(x) + alpha * (x - relu(x)): the slope at 0 is alpha, as in torch.prelu.
        NDArray positive = Activation.relu(x);
        return new NDList(positive.add(x.sub(positive).mul(alpha)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}

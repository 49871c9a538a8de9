package io.lessr.exercise;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import java.util.List;
import java.util.Map;

/**
 * A student's layer as the checks drive it: its parameters by PyTorch name (the notebook's {@code
 * stateDict}), and its forward pass on the graphs of a batch of sessions, nodes (or sessions, for
 * the readout) as rows.
 */
public record StudentLayer(Map<String, Parameter> parameters, Forward forward) {

    /** The layer on node features {@code feat} of the batched {@code sessions}, in training or eval mode. */
    @FunctionalInterface
    public interface Forward {
        NDArray apply(List<int[]> sessions, NDArray feat, boolean training);
    }
}

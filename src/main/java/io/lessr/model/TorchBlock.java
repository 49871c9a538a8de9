package io.lessr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A block whose children carry the walkthrough's PyTorch module names ({@code batch_norm},
 * {@code fc_self}, ...), so that {@link TorchNames} can map a PyTorch {@code state_dict} onto it.
 * Children are registered once, in the constructor, with the input width each one expects, and
 * {@link #initializeChildBlocks} initializes them from that.
 */
abstract class TorchBlock extends AbstractBlock {
    private final Map<String, Block> torchChildren = new LinkedHashMap<>();
    private final Map<String, Shape> childInputShapes = new LinkedHashMap<>();

    protected <B extends Block> B child(String torchName, B block, Shape inputShape) {
        addChildBlock(torchName, block);
        torchChildren.put(torchName, block);
        childInputShapes.put(torchName, inputShape);
        return block;
    }

    Map<String, Block> torchChildren() {
        return torchChildren;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        torchChildren.forEach((name, block) -> block.initialize(manager, dataType, childInputShapes.get(name)));
    }

    // Small helpers so that forward methods read like lessr.py.

    protected static Linear linear(int units, boolean bias) {
        return Linear.builder().setUnits(units).optBias(bias).build();
    }

    protected static BatchNorm batchNorm() {
        // DJL's momentum is the running statistics' share: 1 - PyTorch's.
        return BatchNorm.builder().optEpsilon(Stage.EPSILON).optMomentum(1 - Stage.MOMENTUM).build();
    }

    protected static Dropout dropout(double rate) {
        return Dropout.builder().optRate((float) rate).build();
    }

    protected static NDArray apply(Block block, ParameterStore ps, NDArray x, boolean training) {
        if (block instanceof Linear) {
            return Rows.padded(x, p -> block.forward(ps, new NDList(p), training).head());
        }
        return block.forward(ps, new NDList(x), training).head();
    }
}

package io.lessr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.util.PairList;

/**
 * A one-layer GRU, PyTorch's {@code nn.GRU(input, hidden, batch_first=True)} with the same parameter
 * names and gate order (r, z, n), run over many sequences of different lengths at once, each from a
 * zero state:
 *
 * <pre>
 *   r = sigmoid(x W_ir + b_ir + h W_hr + b_hr),  z = sigmoid(x W_iz + b_iz + h W_hz + b_hz)
 *   n = tanh(x W_in + b_in + r * (h W_hn + b_hn)),  h' = (1 - z) * n + z * h
 * </pre>
 *
 * Sequences are packed step-major, longest first (as {@code pack_padded_sequence} does): step t holds
 * the t-th element of the first {@code stepSizes[t]} sequences. The input projection of every element
 * is one matrix product; each step then works on the sequences still running, so no padding is ever
 * computed. Returns each sequence's final state, in sequence order.
 */
public final class Gru extends TorchBlock {
    private final int hidden;
    private final Parameter weightIh;
    private final Parameter weightHh;
    private final Parameter biasIh;
    private final Parameter biasHh;

    public Gru(int inputDim, int hidden) {
        this.hidden = hidden;
        UniformInitializer init = new UniformInitializer((float) (1 / Math.sqrt(hidden)));
        weightIh = param("weight_ih_l0", new Shape(3L * hidden, inputDim), Parameter.Type.WEIGHT, init);
        weightHh = param("weight_hh_l0", new Shape(3L * hidden, hidden), Parameter.Type.WEIGHT, init);
        biasIh = param("bias_ih_l0", new Shape(3L * hidden), Parameter.Type.BIAS, init);
        biasHh = param("bias_hh_l0", new Shape(3L * hidden), Parameter.Type.BIAS, init);
    }

    private Parameter param(String name, Shape shape, Parameter.Type type, UniformInitializer init) {
        return addParameter(Parameter.builder().setName(name).setType(type).optInitializer(init).optShape(shape).build());
    }

    /** Final states {@code (stepSizes[0], hidden)} of the packed sequences {@code (sum(stepSizes), input)}. */
    public NDArray finalStates(ParameterStore ps, NDArray packed, long[] stepSizes, boolean training) {
        var device = packed.getDevice();
        // Ops led by a parameter put their result on the model's manager: lead with batch arrays,
        // or move the result to the batch's manager.
        NDArray wHhT = Rows.onto(packed, ps.getValue(weightHh, device, training).transpose());
        NDArray bHh = ps.getValue(biasHh, device, training);
        NDArray gi = Rows.matMul(packed, Rows.onto(packed, ps.getValue(weightIh, device, training).transpose()))
                .add(ps.getValue(biasIh, device, training));
        NDList finished = new NDList(stepSizes.length);
        NDArray h = null;
        long offset = 0;
        for (int t = 0; t < stepSizes.length; t++) {
            long m = stepSizes[t];
            NDArray giT = gi.get(new NDIndex().addSliceDim(offset, offset + m));
            NDArray hPrev = null;
            NDArray gh;
            if (t == 0) {
                gh = Rows.onto(packed, bHh.expandDims(0)); // h = 0
            } else {
                if (m < h.getShape().get(0)) {
                    finished.add(h.get(new NDIndex().addSliceDim(m, h.getShape().get(0))));
                }
                hPrev = h.get(new NDIndex().addSliceDim(0, m));
                gh = Rows.matMul(hPrev, wHhT).add(bHh);
            }
            NDArray rz = Activation.sigmoid(columns(giT, 0, 2 * hidden).add(columns(gh, 0, 2 * hidden)));
            NDArray r = columns(rz, 0, hidden);
            NDArray z = columns(rz, hidden, 2 * hidden);
            NDArray n = columns(giT, 2 * hidden, 3 * hidden).add(r.mul(columns(gh, 2 * hidden, 3 * hidden))).tanh();
            h = hPrev == null ? n.sub(z.mul(n)) : n.add(z.mul(hPrev.sub(n)));
            offset += m;
        }
        finished.add(h);
        // Sequences that ran longest come first: reverse the order in which they finished.
        java.util.Collections.reverse(finished);
        return finished.size() == 1 ? finished.head() : NDArrays.concat(finished);
    }


    private static NDArray columns(NDArray x, long from, long to) {
        return x.get(new NDIndex().addAllDim().addSliceDim(from, to));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(finalStates(ps, inputs.get(0), inputs.get(1).toLongArray(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(-1, hidden)};
    }
}

package io.lessr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.util.PairList;
import java.util.Collections;

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
        // Weights split by gate once: (r, z) and n.
        NDList wIh = gates(ps.getValue(weightIh, device, training), packed);
        NDList wHh = gates(ps.getValue(weightHh, device, training), packed);
        NDList bIh = gates(ps.getValue(biasIh, device, training), packed);
        NDList bHh = gates(ps.getValue(biasHh, device, training), packed);
        NDArray wHrzT = wHh.get(0).transpose();
        NDArray wHnT = wHh.get(1).transpose();
        NDArray bHn = bHh.get(1);
        // Every step's input projection at once; the (r, z) biases of both sides are added here.
        NDArray giRz = Rows.matMul(packed, wIh.get(0).transpose()).add(bIh.get(0).add(bHh.get(0)));
        NDArray giN = Rows.matMul(packed, wIh.get(1).transpose()).add(bIh.get(1));
        // Cut into steps with one split per tensor, not a slice per step (Rows.starts says why).
        long[] stepStarts = Rows.starts(stepSizes);
        NDList giRzSteps = giRz.split(stepStarts, 0);
        NDList giNSteps = giN.split(stepStarts, 0);
        NDList finished = new NDList(stepSizes.length);
        NDArray h = null;
        for (int t = 0; t < stepSizes.length; t++) {
            long m = stepSizes[t];
            NDArray rz;
            NDArray ghN;
            NDArray hPrev = null;
            if (t == 0) { // h = 0: the hidden side is its biases
                rz = Activation.sigmoid(giRzSteps.get(0));
                ghN = bHn;
            } else {
                hPrev = h;
                if (m < h.getShape().get(0)) {
                    NDList kept = h.split(new long[] {m}, 0);
                    hPrev = kept.get(0);
                    finished.add(kept.get(1));
                }
                rz = Activation.sigmoid(giRzSteps.get(t).add(product(hPrev, wHrzT, training)));
                ghN = product(hPrev, wHnT, training).add(bHn);
            }
            NDList gates = rz.split(2, 1);
            NDArray n = giNSteps.get(t).add(gates.get(0).mul(ghN)).tanh();
            NDArray z = gates.get(1);
            h = hPrev == null ? n.sub(z.mul(n)) : n.add(z.mul(hPrev.sub(n)));
        }
        finished.add(h);
        // Sequences that ran longest come first: reverse the order in which they finished.
        Collections.reverse(finished);
        return finished.size() == 1 ? finished.head() : NDArrays.concat(finished);
    }

    /**
     * A parameter's (r, z) rows and n rows, on the batch's manager: ops led by a parameter put
     * their results on the model's manager, where they would outlive the batch.
     */
    private NDList gates(NDArray parameter, NDArray batchArray) {
        NDList parts = parameter.split(new long[] {2L * hidden}, 0);
        parts.attach(batchArray.getManager());
        return parts;
    }

    /** Padding for batch-invariant scores costs three ops a step; training has no use for it. */
    private static NDArray product(NDArray x, NDArray w, boolean training) {
        return training ? x.matMul(w) : Rows.matMul(x, w);
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

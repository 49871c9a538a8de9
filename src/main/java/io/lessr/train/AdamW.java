package io.lessr.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import io.lessr.model.EngineSettings;
import io.lessr.model.TorchInit;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * {@code torch.optim.AdamW} with two parameter groups, as the walkthrough's {@code fix_weight_decay}
 * makes them: the parameters that {@code decays} accepts get decoupled weight decay, the others none.
 *
 * <p>PyTorch's formula:
 *
 * <pre>
 *   p -= lr * wd * p                       (decay group only)
 *   m  = b1 m + (1 - b1) g,   v = b2 v + (1 - b2) g^2
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 *
 * DJL's fused update (one native call a parameter instead of a dozen ops) divides by {@code
 * sqrt(v) + eps} with the bias correction folded into the learning rate, which applies epsilon to
 * the uncorrected second moment; scaling epsilon by {@code sqrt(1 - b2^t)} as well makes it
 * PyTorch's formula exactly (up to float rounding).
 *
 * Call {@link #step()} after the backward pass and outside the gradient collector; it zeroes the
 * gradients it used.
 */
public final class AdamW {
    private final List<Slot> slots = new ArrayList<>();
    private final double lr;
    private final double weightDecay;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private int step;

    /** A parameter's state. */
    private record Slot(String name, Parameter parameter, boolean decay, NDArray mean, NDArray variance) {}

    public AdamW(Map<String, Parameter> params, Predicate<String> decays,
            double lr, double weightDecay, double beta1, double beta2, double eps) {
        this.lr = lr;
        this.weightDecay = weightDecay;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        params.forEach((name, p) -> {
            if (p.requiresGradient()) {
                NDArray w = p.getArray();
                slots.add(new Slot(name, p, weightDecay > 0 && decays.test(name), w.zerosLike(), w.zerosLike()));
            }
        });
    }

    /** PyTorch's defaults for the betas and epsilon. */
    public AdamW(Map<String, Parameter> params, Predicate<String> decays, double lr, double weightDecay) {
        this(params, decays, lr, weightDecay, 0.9, 0.999, 1e-8);
    }

    public void step() {
        try (Lanes one = new Lanes(1)) {
            step(one);
        }
    }

    /**
     * One update, the parameters shared out over the lanes (each parameter's update is independent of
     * the others', so the result is the same on any number of threads).
     */
    public void step(Lanes lanes) {
        EngineSettings.noGradOnThisThread(); // in-place updates of leaves need it off
        step++;
        double biasCorrection1 = 1 - Math.pow(beta1, step);
        double biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        float lrCorrected = (float) (lr / biasCorrection1 * biasCorrection2Sqrt);
        float epsCorrected = (float) (eps * biasCorrection2Sqrt);
        // Each lane takes the next parameter not yet taken: the embedding's update alone takes as
        // long as a dozen small ones, and which lane updates a parameter does not change its bits.
        AtomicInteger next = new AtomicInteger();
        lanes.run(lane -> {
            for (int i = next.getAndIncrement(); i < slots.size(); i = next.getAndIncrement()) {
                update(slots.get(i), lrCorrected, epsCorrected);
            }
            return null;
        });
    }

    private void update(Slot slot, float lrCorrected, float epsCorrected) {
        PtNDArray w = (PtNDArray) slot.parameter.getArray();
        PtNDArray g = (PtNDArray) w.getGradient();
        try {
            JniUtils.adamUpdate(w, g, (PtNDArray) slot.mean, (PtNDArray) slot.variance, (float) lr, lrCorrected,
                    slot.decay ? (float) weightDecay : 0f, 1f, -1f, (float) beta1, (float) beta2, epsCorrected, true);
            JniUtils.zeroGrad(w);
        } finally {
            g.close();
        }
    }

    /** Writes the step count and both moments of every parameter. */
    public void save(DataOutputStream out) throws IOException {
        out.writeInt(step);
        out.writeInt(slots.size());
        for (Slot slot : slots) {
            out.writeUTF(slot.name);
            for (NDArray state : new NDArray[] {slot.mean, slot.variance}) {
                float[] values = state.toFloatArray();
                out.writeInt(values.length);
                for (float v : values) {
                    out.writeFloat(v);
                }
            }
        }
    }

    /** Restores what {@link #save} wrote, for the same parameters. */
    public void load(DataInputStream in) throws IOException {
        step = in.readInt();
        int count = in.readInt();
        if (count != slots.size()) {
            throw new IOException("optimizer state for " + count + " parameters, the model has " + slots.size());
        }
        for (Slot slot : slots) {
            String name = in.readUTF();
            if (!name.equals(slot.name)) {
                throw new IOException("optimizer state for " + name + " where " + slot.name + " was expected");
            }
            for (NDArray state : new NDArray[] {slot.mean, slot.variance}) {
                float[] values = new float[in.readInt()];
                if (values.length != state.size()) {
                    throw new IOException("optimizer state of " + name + " has " + values.length
                            + " values, the parameter " + state.size());
                }
                for (int i = 0; i < values.length; i++) {
                    values[i] = in.readFloat();
                }
                TorchInit.copyInto(state, values);
            }
        }
    }

    public int stepCount() {
        return step;
    }
}

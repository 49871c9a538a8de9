package io.lessr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.Arrays;
import java.util.HashMap;

/**
 * PyTorch's default initialisation of the walkthrough's modules, drawn from a seeded Java generator
 * so that a seed gives the same starting weights on every engine and device:
 * {@code nn.Embedding} N(0, 1); {@code nn.Linear} weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in));
 * {@code nn.GRU} U(-1/sqrt(hidden), 1/sqrt(hidden)); {@code nn.PReLU} 0.25; batch norm weight 1, bias 0,
 * running mean 0, running variance 1.
 */
public final class TorchInit {
    private TorchInit() {}

    public static void apply(Lessr model, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Parameter> params = TorchNames.of(model);
        Map<String, Long> linearFanIn = new HashMap<>();
        params.forEach((name, p) -> {
            if (name.endsWith(".weight") && p.getArray().getShape().dimension() == 2) {
                linearFanIn.put(name.substring(0, name.length() - ".weight".length()), p.getArray().getShape().get(1));
            }
        });
        params.forEach((name, p) -> {
            NDArray array = p.getArray();
            int size = (int) array.size();
            String module = name.substring(0, name.lastIndexOf('.'));
            String leaf = name.substring(name.lastIndexOf('.') + 1);
            float[] values = new float[size];
            if (name.equals("embedding.weight")) {
                for (int i = 0; i < size; i++) {
                    values[i] = (float) gaussian(random);
                }
            } else if (module.endsWith("batch_norm")) {
                Arrays.fill(values, leaf.equals("weight") || leaf.equals("running_var") ? 1f : 0f);
            } else if (module.endsWith("activation")) {
                Arrays.fill(values, 0.25f);
            } else if (module.endsWith("gru")) {
                uniform(random, values, 1 / Math.sqrt(array.getShape().get(0) / 3.0));
            } else {
                uniform(random, values, 1 / Math.sqrt(linearFanIn.get(module)));
            }
            copyInto(array, values);
        });
    }

    /**
     * Writes {@code values} into {@code array} in place, keeping its gradient attachment, whether or
     * not this thread records gradients. DJL's {@code set(float[])} would too, but libtorch prints a
     * deprecation warning for the guard it uses, on every run; an indexed copy into a detached view
     * (same storage) from an array on the same device does not.
     */
    public static void copyInto(NDArray array, float[] values) {
        try (NDManager scratch = array.getManager().newSubManager()) {
            NDArray target = array.stopGradient();
            target.attach(scratch);
            target.set(new NDIndex(":"), scratch.create(values, array.getShape()));
        }
    }

    private static void uniform(SplittableRandom random, float[] values, double bound) {
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextDouble(-bound, bound));
        }
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller: SplittableRandom has no nextGaussian on Java 17.
        double u = 1 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}

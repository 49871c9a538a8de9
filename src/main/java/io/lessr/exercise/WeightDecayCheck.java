package io.lessr.exercise;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.lessr.model.Lessr;
import io.lessr.model.LessrConfig;
import io.lessr.model.TorchNames;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Checks {@code fixWeightDecay} on the parameters of the kit's LESSR in four configurations: the
 * decayed group is every trained parameter but biases, batch norm and the PReLU activations; the
 * running statistics are in neither (they are not trained).
 */
public final class WeightDecayCheck {
    private WeightDecayCheck() {}

    public static void fixWeightDecay(Function<Map<String, Parameter>, List<List<String>>> student) {
        Check check = new Check("fixWeightDecay");
        List<LessrConfig> configs = List.of(new LessrConfig(20, 8, 3, 0.2, true), new LessrConfig(20, 8, 1, 0, true),
                new LessrConfig(20, 8, 4, 0.1, false), new LessrConfig(20, 8, 2, 0, true));
        int names = 0;
        try (NDManager scope = NDManager.newBaseManager()) {
            for (LessrConfig config : configs) {
                Map<String, Parameter> params = TorchNames.of(Lessr.create(config, scope, 0));
                List<String> decay = new ArrayList<>();
                List<String> noDecay = new ArrayList<>();
                params.forEach((name, p) -> {
                    if (p.requiresGradient()) {
                        (TorchNames.decays(name) ? decay : noDecay).add(name);
                    }
                });
                List<List<String>> yours = check.call("fixWeightDecay(params)", () -> student.apply(params));
                if (yours.size() != 2 || yours.get(0) == null || yours.get(1) == null) {
                    throw check.failed("returns " + yours.size() + " groups; expected two: [decay, no decay]");
                }
                compare(check, config, "decay", decay, yours.get(0), noDecay);
                compare(check, config, "no decay", noDecay, yours.get(1), decay);
                names += params.size();
            }
        }
        check.passed("the kit's two groups for " + configs.size() + " LESSR configurations (" + names + " parameters)");
    }

    private static void compare(Check check, LessrConfig config, String group, List<String> expected, List<String> yours,
            List<String> other) {
        Set<String> missing = new HashSet<>(expected);
        yours.forEach(missing::remove);
        Set<String> extra = new HashSet<>(yours);
        expected.forEach(extra::remove);
        if (missing.isEmpty() && extra.isEmpty()) {
            return;
        }
        String example = !extra.isEmpty() ? extra.stream().sorted().findFirst().get() : missing.stream().sorted().findFirst().get();
        String message = String.format("the \"%s\" group of LESSR(num_layers=%d, batch_norm=%s) %s %s",
                group, config.numLayers(), config.batchNorm(), !extra.isEmpty() ? "holds" : "misses", example)
                + (extra.size() + missing.size() > 1 ? " (and " + (extra.size() + missing.size() - 1) + " more)" : "");
        String hint;
        if (example.contains("running_")) {
            hint = "running statistics are not trained (requiresGradient() is false): they belong to neither group";
        } else if (example.contains("activation")) {
            hint = "PReLU's slopes (the \"activation\" parameters) get no weight decay";
        } else if (example.contains("batch_norm")) {
            hint = "batch norm's weight and bias get no weight decay";
        } else if (example.contains("bias")) {
            hint = "biases get no weight decay";
        } else if (other.contains(example)) {
            hint = "a parameter in both groups, or in the wrong one: decayed are the weights of the embedding, GRUs and linear layers";
        } else {
            hint = "every trained parameter is in exactly one group";
        }
        throw check.failed(message, hint);
    }
}

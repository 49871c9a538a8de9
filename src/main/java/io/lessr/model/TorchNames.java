package io.lessr.model;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.util.Pair;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The walkthrough's PyTorch {@code state_dict} names of a {@link Lessr}'s parameters, e.g. {@code
 * layers.0.gru.weight_ih_l0} or {@code readout.batch_norm.running_mean}, so that weights can be
 * exchanged with the reference and the weight-decay groups chosen by the reference's rule.
 * The kit's own blocks ({@link Gru}, {@link Prelu}) name their parameters as PyTorch does.
 */
public final class TorchNames {
    private static final Map<String, String> DJL_TO_TORCH = Map.ofEntries(
            Map.entry("weight", "weight"),
            Map.entry("bias", "bias"),
            Map.entry("gamma", "weight"),
            Map.entry("beta", "bias"),
            Map.entry("runningMean", "running_mean"),
            Map.entry("runningVar", "running_var"));

    private TorchNames() {}

    /** Every parameter of {@code model}, running statistics included, by its PyTorch name, in module order. */
    public static Map<String, Parameter> of(Lessr model) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", model, out);
        return out;
    }

    /** Every parameter of one layer, by its PyTorch name inside that layer ({@code gru.weight_ih_l0}). */
    public static Map<String, Parameter> of(GraphLayer layer) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", layer, out);
        return out;
    }

    private static void collect(String prefix, Block block, Map<String, Parameter> out) {
        boolean known = block instanceof TorchBlock || block instanceof Linear || block instanceof BatchNorm;
        if (!known && !block.getDirectParameters().isEmpty()) {
            throw new IllegalStateException("no PyTorch names for " + block.getClass().getName());
        }
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            String name = block instanceof TorchBlock ? p.getKey() : DJL_TO_TORCH.get(p.getKey());
            if (name == null) {
                throw new IllegalStateException("no PyTorch name for " + prefix + p.getKey());
            }
            out.put(prefix + name, p.getValue());
        }
        if (block instanceof TorchBlock torch) {
            torch.torchChildren().forEach((child, b) -> collect(prefix + child + ".", b, out));
        }
    }

    /** The walkthrough's {@code fix_weight_decay}: no decay for bias, batch-norm and activation parameters. */
    public static boolean decays(String torchName) {
        return !(torchName.contains("bias") || torchName.contains("batch_norm") || torchName.contains("activation"));
    }
}

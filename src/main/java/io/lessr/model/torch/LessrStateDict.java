package io.lessr.model.torch;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.lessr.model.Lessr;
import io.lessr.model.LessrConfig;
import io.lessr.model.TorchInit;
import io.lessr.model.TorchNames;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link Lessr} as twchen/lessr's {@code LESSR.state_dict()}: the same names ({@link TorchNames}), the
 * same order ({@code indices} first, as a module's own parameters come before its children's; every batch
 * norm's {@code num_batches_tracked} after its running variance), the same shapes. The configuration is read
 * from the names and shapes: the item count and embedding size from {@code embedding.weight}, the number of
 * layers from {@code layers.N}, batch norm from whether there are {@code batch_norm} tensors.
 */
public final class LessrStateDict {
    private static final Pattern LAYER = Pattern.compile("^layers\\.(\\d+)\\.");

    private LessrStateDict() {}

    /** The model's state_dict, float32, running statistics included; {@code num_batches_tracked} as given. */
    public static Map<String, TorchTensor> of(Lessr model, long numBatchesTracked) {
        Map<String, TorchTensor> out = new LinkedHashMap<>();
        int n = model.config().numItems();
        long[] indices = new long[n];
        for (int i = 0; i < n; i++) {
            indices[i] = i;
        }
        out.put("indices", TorchTensor.ofLongs(new long[] {n}, indices));
        for (Map.Entry<String, Parameter> e : TorchNames.of(model).entrySet()) {
            var array = e.getValue().getArray();
            out.put(e.getKey(), TorchTensor.ofFloats(array.getShape().getShape(), array.toFloatArray()));
            if (e.getKey().endsWith("batch_norm.running_var")) {
                String module = e.getKey().substring(0, e.getKey().length() - "running_var".length());
                out.put(module + "num_batches_tracked", TorchTensor.ofLongs(new long[0], new long[] {numBatchesTracked}));
            }
        }
        return out;
    }

    /** LESSR's configuration as the state_dict's names and shapes give it ({@code featDrop} is no tensor: given). */
    public static LessrConfig configOf(Map<String, TorchTensor> stateDict, String where, double featDrop) {
        TorchTensor embedding = stateDict.get("embedding.weight");
        if (embedding == null) {
            throw new IllegalArgumentException(where + ": no tensor embedding.weight: not a state_dict of LESSR"
                    + (stateDict.isEmpty() ? " (the file holds no tensors)" : " (its first tensor is " + stateDict.keySet().iterator().next() + ")"));
        }
        if (embedding.shape().length != 2 || embedding.shape()[0] < 1 || embedding.shape()[1] < 1) {
            throw new IllegalArgumentException(where + ": tensor embedding.weight has shape " + embedding.shapeText()
                    + ", expected (num_items, embedding_dim)");
        }
        TreeSet<Integer> layers = new TreeSet<>();
        for (String name : stateDict.keySet()) {
            Matcher m = LAYER.matcher(name);
            if (m.find()) {
                layers.add(Integer.parseInt(m.group(1)));
            }
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException(where + ": no tensor layers.0.*: LESSR has at least one layer");
        }
        for (int i = 0; i < layers.size(); i++) {
            if (!layers.contains(i)) {
                throw new IllegalArgumentException(where + ": tensors of layers." + layers.last() + " but none of layers." + i);
            }
        }
        boolean batchNorm = stateDict.keySet().stream().anyMatch(k -> k.contains("batch_norm."));
        return new LessrConfig((int) embedding.shape()[0], (int) embedding.shape()[1], layers.size(), featDrop, batchNorm);
    }

    /**
     * A model of {@code config} on {@code manager} holding the state_dict's weights. Every tensor is checked
     * first: a missing, unexpected or misshapen tensor, or one of another dtype than float32/float64, is refused
     * with its name, and no model is made.
     */
    public static Lessr load(Map<String, TorchTensor> stateDict, LessrConfig config, NDManager manager, String where) {
        List<String> problems = new ArrayList<>();
        Lessr model = new Lessr(config).initialize(manager);
        Map<String, Parameter> params = TorchNames.of(model);
        String lessr = "LESSR(num_items=" + config.numItems() + ", embedding_dim=" + config.embeddingDim()
                + ", num_layers=" + config.numLayers() + ", batch_norm=" + config.batchNorm() + ")";
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue().getArray().getShape().getShape();
            TorchTensor t = stateDict.get(name);
            if (t == null) {
                problems.add("tensor " + name + " is missing (" + lessr + " has one of shape " + TorchTensor.shapeText(shape) + ")");
            } else if (t.dtype() != TorchDType.FLOAT32 && t.dtype() != TorchDType.FLOAT64) {
                problems.add("tensor " + name + " is " + t.dtype().torchName() + "; the kit reads float32 or float64 (convert with .float())");
            } else if (!java.util.Arrays.equals(t.shape(), shape)) {
                problems.add("tensor " + name + " has shape " + t.shapeText() + ", " + lessr + " needs " + TorchTensor.shapeText(shape));
            }
        }
        for (Map.Entry<String, TorchTensor> e : stateDict.entrySet()) {
            String name = e.getKey();
            TorchTensor t = e.getValue();
            if (params.containsKey(name)) {
                continue;
            }
            if (name.equals("indices")) {
                if (t.dtype().isFloat() || t.dtype() == TorchDType.BOOL || t.shape().length != 1 || t.shape()[0] != config.numItems()) {
                    problems.add("tensor indices is " + t + ", expected int64 (" + config.numItems() + ",): torch.arange(num_items)");
                } else {
                    long[] v = t.toLongs();
                    for (int i = 0; i < v.length; i++) {
                        if (v[i] != i) {
                            problems.add("tensor indices is not torch.arange(" + config.numItems() + "): element " + i + " is " + v[i]);
                            break;
                        }
                    }
                }
            } else if (name.endsWith(".num_batches_tracked") && params.containsKey(
                    name.substring(0, name.length() - "num_batches_tracked".length()) + "running_mean")) {
                if (t.dtype().isFloat() || t.numel() != 1) {
                    problems.add("tensor " + name + " is " + t + ", expected an int64 scalar");
                }
            } else {
                problems.add("unexpected tensor " + name + " " + t + ": " + lessr + " has no such parameter");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(where + ": " + problems.get(0)
                    + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more problem" + (problems.size() > 2 ? "s" : "") + ")" : ""));
        }
        params.forEach((name, p) -> TorchInit.copyInto(p.getArray(), stateDict.get(name).toFloats()));
        return model;
    }
}

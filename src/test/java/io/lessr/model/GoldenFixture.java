package io.lessr.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One fixture of {@code shared/golden}: weights, inputs and the reference model's outputs, in float64. */
record GoldenFixture(
        String name,
        LessrConfig config,
        Map<String, Tensor> params,
        List<int[]> sessions,
        int[] labels,
        JsonArray graphs,
        Tensor evalLogits,
        Tensor trainLogits,
        double trainLoss,
        Map<String, Tensor> grads,
        Map<String, Tensor> runningStats,
        Tensor embeddingAfterRenorm,
        JsonObject adamw,
        Map<String, Tensor> paramsAfterAdamw) {

    record Tensor(long[] shape, double[] data) {}

    static GoldenFixture read(Path file) throws IOException {
        JsonObject root = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        JsonObject c = root.getAsJsonObject("config");
        LessrConfig config = new LessrConfig(
                c.get("num_items").getAsInt(), c.get("embedding_dim").getAsInt(), c.get("num_layers").getAsInt(),
                c.get("feat_drop").getAsDouble(), c.get("batch_norm").getAsBoolean());
        JsonObject train = root.getAsJsonObject("train");
        JsonObject adamw = root.getAsJsonObject("adamw");
        return new GoldenFixture(
                file.getFileName().toString(),
                config,
                tensors(root.getAsJsonObject("params")),
                intRows(root.getAsJsonArray("sessions")),
                ints(root.getAsJsonArray("labels")),
                root.getAsJsonArray("graphs"),
                tensor(root.getAsJsonObject("eval").get("logits")),
                tensor(train.get("logits")),
                train.get("loss").getAsDouble(),
                tensors(train.getAsJsonObject("grads")),
                tensors(train.getAsJsonObject("running_stats")),
                tensor(root.get("embedding_after_renorm")),
                adamw,
                tensors(adamw.getAsJsonObject("params_after")));
    }

    static Tensor tensor(JsonElement e) {
        JsonObject o = e.getAsJsonObject();
        JsonArray shape = o.getAsJsonArray("shape");
        long[] s = new long[shape.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = shape.get(i).getAsLong();
        }
        JsonArray data = o.getAsJsonArray("data");
        double[] d = new double[data.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = data.get(i).getAsDouble();
        }
        return new Tensor(s, d);
    }

    static Map<String, Tensor> tensors(JsonObject o) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        o.entrySet().forEach(e -> out.put(e.getKey(), tensor(e.getValue())));
        return out;
    }

    static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    static List<int[]> intRows(JsonArray a) {
        List<int[]> rows = new ArrayList<>();
        a.forEach(e -> rows.add(ints(e.getAsJsonArray())));
        return rows;
    }
}

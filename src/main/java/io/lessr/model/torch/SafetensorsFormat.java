package io.lessr.model.torch;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hugging Face's safetensors: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the bytes. Read strictly (every range inside the file, no overlap, no
 * gap), so that a damaged file is refused with the tensor it breaks at.
 */
final class SafetensorsFormat {
    private static final Gson GSON = new Gson();

    private SafetensorsFormat() {}

    static Map<String, TorchTensor> read(byte[] file, String where) {
        if (file.length < 8) {
            throw new IllegalArgumentException(where + ": too short for a safetensors file (" + file.length + " bytes)");
        }
        long headerLength = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength <= 0 || headerLength > file.length - 8) {
            throw new IllegalArgumentException(where + ": not a safetensors file (header length " + headerLength
                    + " of a " + file.length + "-byte file)");
        }
        JsonObject header;
        try {
            header = GSON.fromJson(new String(file, 8, (int) headerLength, StandardCharsets.UTF_8), JsonObject.class);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(where + ": the safetensors header is not JSON: " + e.getMessage());
        }
        if (header == null) {
            throw new IllegalArgumentException(where + ": empty safetensors header");
        }
        int base = 8 + (int) headerLength;
        long dataLength = file.length - base;
        Map<String, TorchTensor> out = new LinkedHashMap<>();
        long[][] ranges = new long[header.size()][];
        int n = 0;
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                continue;
            }
            String at = where + ": tensor " + name;
            try {
                JsonObject t = e.getValue().getAsJsonObject();
                String dtypeName = t.get("dtype").getAsString();
                TorchDType dtype = TorchDType.ofSafetensors(dtypeName)
                        .orElseThrow(() -> new IllegalArgumentException(at + " has the unknown dtype " + dtypeName));
                JsonArray s = t.getAsJsonArray("shape");
                long[] shape = new long[s.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = s.get(i).getAsLong();
                }
                JsonArray o = t.getAsJsonArray("data_offsets");
                long begin = o.get(0).getAsLong();
                long end = o.get(1).getAsLong();
                if (o.size() != 2 || begin < 0 || end < begin || end > dataLength) {
                    throw new IllegalArgumentException(at + ": byte range " + o + " outside the file's " + dataLength + " data bytes");
                }
                if (end - begin != TorchTensor.numel(shape) * dtype.bytes()) {
                    throw new IllegalArgumentException(at + ": " + (end - begin) + " bytes for a " + dtype.torchName()
                            + " tensor of shape " + TorchTensor.shapeText(shape));
                }
                ranges[n++] = new long[] {begin, end};
                out.put(name, new TorchTensor(dtype, shape, Arrays.copyOfRange(file, base + (int) begin, base + (int) end)));
            } catch (IllegalStateException | NullPointerException | IndexOutOfBoundsException | UnsupportedOperationException ex) {
                throw new IllegalArgumentException(at + ": malformed header entry " + e.getValue());
            }
        }
        long[][] sorted = Arrays.copyOf(ranges, n);
        Arrays.sort(sorted, (a, b) -> Long.compare(a[0], b[0]));
        long next = 0;
        for (long[] r : sorted) {
            if (r[0] != next) {
                throw new IllegalArgumentException(where + ": the tensors' byte ranges " + (r[0] < next ? "overlap" : "leave a gap")
                        + " at byte " + Math.min(r[0], next));
            }
            next = r[1];
        }
        if (next != dataLength) {
            throw new IllegalArgumentException(where + ": " + (dataLength - next) + " bytes after the last tensor");
        }
        return out;
    }

    /** The tensors in map order, the header too, padded to 8 bytes as the reference writer pads it. */
    static void write(Map<String, TorchTensor> tensors, OutputStream out) throws IOException {
        JsonObject header = new JsonObject();
        JsonObject meta = new JsonObject();
        meta.addProperty("format", "pt");
        header.add("__metadata__", meta);
        long offset = 0;
        for (Map.Entry<String, TorchTensor> e : tensors.entrySet()) {
            TorchTensor t = e.getValue();
            JsonObject o = new JsonObject();
            o.addProperty("dtype", t.dtype().safetensors());
            JsonArray shape = new JsonArray();
            Arrays.stream(t.shape()).forEach(shape::add);
            o.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(offset + t.data().length);
            o.add("data_offsets", offsets);
            header.add(e.getKey(), o);
            offset += t.data().length;
        }
        StringBuilder json = new StringBuilder(GSON.toJson(header));
        while ((json.toString().getBytes(StandardCharsets.UTF_8).length) % 8 != 0) {
            json.append(' ');
        }
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(bytes.length).array());
        out.write(bytes);
        for (TorchTensor t : tensors.values()) {
            out.write(t.data());
        }
    }
}

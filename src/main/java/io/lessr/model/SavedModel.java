package io.lessr.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import io.lessr.data.AtomicDirectory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * A trained model on disk: {@code model.params} (DJL's parameter format, batch-norm running
 * statistics included) and {@code model.json} (format version, library version, the {@link
 * LessrConfig}, the SHA-256 of the parameters, and free-form training information). Folders are
 * written atomically; loading checks every part and refuses a mismatch with a message that says which.
 */
public final class SavedModel {
    public static final String PARAMS_FILE = "model.params";
    public static final String META_FILE = "model.json";
    public static final String FORMAT = "lessr-kit-model";
    public static final int FORMAT_VERSION = 1;

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    private SavedModel() {}

    /** The kit's version, as built by Maven. */
    public static String libraryVersion() {
        try (InputStream in = SavedModel.class.getResourceAsStream("/lessr/version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Writes {@code model} to the folder {@code dir}, replacing it atomically. */
    public static void write(Lessr model, Path dir, Map<String, ?> info) {
        AtomicDirectory.write(dir, tmp -> writeInto(model, tmp, info));
    }

    /** Writes the model's two files into an existing folder (for a caller that builds a larger folder atomically). */
    public static void writeInto(Lessr model, Path dir, Map<String, ?> info) throws IOException {
        Path params = dir.resolve(PARAMS_FILE);
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(params)))) {
            model.saveParameters(out);
        }
        JsonObject meta = new JsonObject();
        meta.addProperty("format", FORMAT);
        meta.addProperty("formatVersion", FORMAT_VERSION);
        meta.addProperty("libraryVersion", libraryVersion());
        meta.add("config", GSON.toJsonTree(model.config()));
        meta.addProperty("paramsSha256", sha256(params));
        meta.add("info", GSON.toJsonTree(info));
        Files.writeString(dir.resolve(META_FILE), GSON.toJson(meta), StandardCharsets.UTF_8);
    }

    /** Reads and checks {@code model.json}; the model's configuration. */
    public static LessrConfig readConfig(Path dir) {
        return readMeta(dir).config;
    }

    /** Loads a saved model onto {@code manager}'s device, ready to predict or to train on. */
    public static Lessr load(Path dir, NDManager manager) {
        Meta meta = readMeta(dir);
        Path params = dir.resolve(PARAMS_FILE);
        byte[] bytes = readBytes(params);
        if (!sha256(bytes).equals(meta.paramsSha256)) {
            throw new IllegalArgumentException(params + " is corrupted: its SHA-256 does not match "
                    + META_FILE + " (re-save the model or restore the file)");
        }
        Lessr model = new Lessr(meta.config).initialize(manager);
        Map<String, Parameter> expected = TorchNames.of(model);
        Map<String, Shape> shapes = new HashMap<>();
        List<NDArray> initial = new ArrayList<>();
        expected.forEach((name, p) -> {
            shapes.put(name, p.getArray().getShape());
            initial.add(p.getArray());
        });
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            model.loadParameters(manager, in);
        } catch (IOException | MalformedModelException | RuntimeException e) {
            throw new IllegalArgumentException(params + " does not hold the parameters of " + meta.config
                    + ": " + e.getMessage(), e);
        }
        initial.forEach(NDArray::close); // loading put new arrays in their place
        TorchNames.of(model).forEach((name, p) -> {
            if (!p.getArray().getShape().equals(shapes.get(name))) {
                throw new IllegalArgumentException(params + ": parameter " + name + " has shape "
                        + p.getArray().getShape() + ", the configuration in " + META_FILE + " needs " + shapes.get(name));
            }
            // Loaded arrays are new: make the trainable ones collect gradients again.
            if (p.requiresGradient()) {
                p.getArray().setRequiresGradient(true);
            }
        });
        return model;
    }

    /** The free-form information saved with the model (training results and the like). */
    public static JsonObject info(Path dir) {
        return readMeta(dir).info;
    }

    private record Meta(LessrConfig config, String paramsSha256, JsonObject info) {}

    private static Meta readMeta(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model folder " + dir + " not found");
        }
        Path file = dir.resolve(META_FILE);
        JsonObject meta;
        try {
            meta = GSON.fromJson(new String(readBytes(file), StandardCharsets.UTF_8), JsonObject.class);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (meta == null || !meta.has("format") || !FORMAT.equals(meta.get("format").getAsString())) {
            throw new IllegalArgumentException(file + " is not a LESSR kit model (no \"format\": \"" + FORMAT + "\")");
        }
        int version = meta.get("formatVersion").getAsInt();
        if (version != FORMAT_VERSION) {
            throw new IllegalArgumentException(file + " has format version " + version + " (saved by lessr-kit "
                    + meta.get("libraryVersion").getAsString() + "); this lessr-kit " + libraryVersion()
                    + " reads version " + FORMAT_VERSION);
        }
        LessrConfig config;
        try {
            config = GSON.fromJson(meta.get("config"), LessrConfig.class);
            config = new LessrConfig(config.numItems(), config.embeddingDim(), config.numLayers(),
                    config.featDrop(), config.batchNorm()); // validates
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": invalid model configuration: " + e.getMessage(), e);
        }
        if (!meta.has("paramsSha256")) {
            throw new IllegalArgumentException(file + " lacks the parameters' checksum");
        }
        JsonObject info = meta.has("info") && meta.get("info").isJsonObject() ? meta.getAsJsonObject("info") : new JsonObject();
        return new Meta(config, meta.get("paramsSha256").getAsString(), info);
    }

    private static byte[] readBytes(Path file) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            return in.readAllBytes();
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + " is missing: not a complete saved model");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static String sha256(Path file) throws IOException {
        return sha256(Files.readAllBytes(file));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

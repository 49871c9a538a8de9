package io.lessr.model.torch;

import ai.djl.ndarray.NDManager;
import io.lessr.model.Lessr;
import io.lessr.model.LessrConfig;
import io.lessr.model.SavedModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Weights both ways between the kit and PyTorch: a state_dict of twchen/lessr's {@code LESSR} (written by
 * {@code torch.save(model.state_dict(), f)}, safetensors or npz) becomes a saved model folder, and a saved
 * model becomes a state_dict file that {@code model.load_state_dict(torch.load(f, weights_only=True))} takes
 * with {@code strict=True}.
 */
public final class TorchWeights {
    private TorchWeights() {}

    /**
     * Reads {@code file} and builds the model it holds on {@code manager}. {@code numItems}, when given,
     * must be the state_dict's item count (the rows of {@code embedding.weight}).
     */
    public static Lessr load(Path file, Integer numItems, double featDrop, NDManager manager) {
        return load(file, StateDictFile.read(file).tensors(), numItems, featDrop, manager);
    }

    private static Lessr load(Path file, Map<String, TorchTensor> stateDict, Integer numItems, double featDrop, NDManager manager) {
        LessrConfig config = LessrStateDict.configOf(stateDict, file.toString(), featDrop);
        if (numItems != null && numItems != config.numItems()) {
            throw new IllegalArgumentException(file + ": tensor embedding.weight has " + config.numItems()
                    + " rows (items), but " + numItems + " items were expected");
        }
        return LessrStateDict.load(stateDict, config, manager, file.toString());
    }

    /**
     * {@code file} as a saved model folder {@code saveDir} (written atomically), ready for {@code recommend},
     * {@code Recommender.load} and Spark. The model's information records where it came from.
     */
    public static LessrConfig importStateDict(Path file, Integer numItems, double featDrop, Path saveDir) {
        StateDictFile.Contents contents = StateDictFile.read(file);
        try (NDManager manager = NDManager.newBaseManager()) {
            Lessr model = load(file, contents.tensors(), numItems, featDrop, manager);
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("importedFrom", file.getFileName().toString());
            info.put("importedSha256", sha256(file));
            info.put("format", contents.format().name().toLowerCase(java.util.Locale.ROOT));
            SavedModel.write(model, saveDir, info);
            return model.config();
        }
    }

    /** The saved model in {@code modelDir} as a state_dict file; the format by {@code out}'s name. */
    public static void exportStateDict(Path modelDir, Path out) {
        StateDictFile.formatOf(out); // refuse a bad name before loading anything
        try (NDManager manager = NDManager.newBaseManager()) {
            Lessr model = SavedModel.load(modelDir, manager);
            StateDictFile.write(LessrStateDict.of(model, 0), out);
        }
    }

    private static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.lessr.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.lessr.data.AtomicDirectory;
import io.lessr.model.Lessr;
import io.lessr.model.SavedModel;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Training state after an epoch: the model ({@link SavedModel} files), the optimiser's moments and
 * step count, and the runner's state (epoch, batch counter, best metrics and their epochs, the
 * early-stopping counter, the history and the settings). Each checkpoint is a folder {@code
 * epoch-NNNN} written atomically; once it is in place the older ones are removed, so a process
 * killed at any moment leaves the last complete checkpoint. Randomness needs no saved state: every
 * epoch seeds its shuffle and its dropout from (seed, epoch).
 */
public final class Checkpoint {
    static final String OPTIMIZER_FILE = "optimizer.bin";
    static final String STATE_FILE = "state.json";
    private static final Pattern NAME = Pattern.compile("epoch-(\\d{4,})");
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    /** The runner's state at the end of an epoch. */
    public record State(int epoch, int batch, double logLoss, boolean stopped, Map<String, Double> best,
            Map<String, Integer> bestEpochs, int badEpochs, List<TrainRunner.EpochResult> history,
            TrainRunner.Options options, String datasetDir, Double validSplit) {}

    private Checkpoint() {}

    static void write(Path root, Lessr model, AdamW optimizer, State state) {
        Path dir = root.resolve(String.format("epoch-%04d", state.epoch()));
        AtomicDirectory.write(dir, tmp -> {
            SavedModel.writeInto(model, tmp, Map.of("epoch", state.epoch(), "best", state.best()));
            try (DataOutputStream out = new DataOutputStream(
                    new BufferedOutputStream(Files.newOutputStream(tmp.resolve(OPTIMIZER_FILE))))) {
                optimizer.save(out);
            }
            Files.writeString(tmp.resolve(STATE_FILE), GSON.toJson(state), StandardCharsets.UTF_8);
        });
        try (Stream<Path> all = Files.list(root)) {
            // Older checkpoints, and the remains of a write that a killed process left behind.
            for (Path old : all.filter(p -> epochOf(p) >= 0 && epochOf(p) < state.epoch()
                    || p.getFileName().toString().startsWith(".epoch-")).toList()) {
                AtomicDirectory.deleteTree(old);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove old checkpoints in " + root, e);
        }
    }

    /** The newest complete checkpoint folder under {@code root}, if any. */
    public static Optional<Path> latest(Path root) {
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> all = Files.list(root)) {
            return all.filter(p -> epochOf(p) >= 0)
                    .max((a, b) -> Integer.compare(epochOf(a), epochOf(b)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    public static State readState(Path checkpoint) {
        try {
            return GSON.fromJson(Files.readString(checkpoint.resolve(STATE_FILE), StandardCharsets.UTF_8), State.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(checkpoint + " is not a complete checkpoint: " + e.getMessage(), e);
        }
    }

    static void readOptimizer(Path checkpoint, AdamW optimizer) {
        try (DataInputStream in = new DataInputStream(
                new BufferedInputStream(Files.newInputStream(checkpoint.resolve(OPTIMIZER_FILE))))) {
            optimizer.load(in);
        } catch (IOException e) {
            throw new IllegalArgumentException(checkpoint.resolve(OPTIMIZER_FILE) + ": " + e.getMessage(), e);
        }
    }

    private static int epochOf(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }
}

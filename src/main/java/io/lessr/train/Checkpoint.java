package io.lessr.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import io.lessr.data.AtomicDirectory;
import io.lessr.model.Lessr;
import io.lessr.model.SavedModel;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Training state after an epoch, in a folder {@code epoch-NNNN} written atomically: the model
 * ({@link SavedModel} files), the optimiser's moments and step count ({@code optimizer.bin}), the run's
 * {@link RunSpec} and {@link TrainState} ({@code state.json}), and, written last, {@code checksums.sha256}
 * with the SHA-256 of every other file. A checkpoint whose files do not match their checksums (a flipped
 * byte, a truncated or missing file) is refused with a message naming the file, and resuming falls back
 * to the one before: the last two are kept. Beside them, {@code best-model} holds the model of the best
 * epoch so far by the run's chosen metric.
 */
public final class Checkpoint {
    static final String OPTIMIZER_FILE = "optimizer.bin";
    static final String STATE_FILE = "state.json";
    static final String CHECKSUMS_FILE = "checksums.sha256";
    public static final String BEST_MODEL_DIR = "best-model";
    private static final Pattern NAME = Pattern.compile("epoch-(\\d{4,})");
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    /** A verified checkpoint. */
    public record Loaded(Path dir, RunSpec spec, TrainState state) {}

    private record Contents(RunSpec spec, TrainState state) {}

    private Checkpoint() {}

    /** Writes {@code epoch-NNNN} for the state's epoch (and {@code best-model} when {@code bestInfo} is given). */
    static void write(Path root, Lessr model, AdamW optimizer, RunSpec spec, TrainState state, Map<String, ?> bestInfo) {
        int epoch = state.epoch();
        AtomicDirectory.write(root.resolve(String.format("epoch-%04d", epoch)), tmp -> {
            SavedModel.writeInto(model, tmp, Map.of("epoch", epoch, "best", state.best()));
            try (DataOutputStream out = new DataOutputStream(
                    new BufferedOutputStream(Files.newOutputStream(tmp.resolve(OPTIMIZER_FILE))))) {
                optimizer.save(out);
            }
            Files.writeString(tmp.resolve(STATE_FILE), GSON.toJson(new Contents(spec, state)), StandardCharsets.UTF_8);
            StringBuilder sums = new StringBuilder();
            try (Stream<Path> files = Files.list(tmp)) {
                for (Path f : files.sorted().toList()) {
                    sums.append(sha256(f)).append("  ").append(f.getFileName()).append('\n');
                }
            }
            Files.writeString(tmp.resolve(CHECKSUMS_FILE), sums, StandardCharsets.UTF_8);
        });
        if (bestInfo != null) {
            SavedModel.write(model, root.resolve(BEST_MODEL_DIR), bestInfo);
        }
        try (Stream<Path> all = Files.list(root)) {
            // Checkpoints before the previous one, and the remains of a write that a killed process left behind.
            for (Path old : all.filter(p -> epochOf(p) >= 0 && epochOf(p) < epoch - 1
                    || p.getFileName().toString().startsWith(".epoch-")).toList()) {
                AtomicDirectory.deleteTree(old);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove old checkpoints in " + root, e);
        }
    }

    /**
     * The newest checkpoint under {@code root} whose files match their checksums; each damaged newer one
     * is named on {@code log}. Refuses when there is none.
     */
    public static Loaded latest(Path root, PrintStream log) {
        List<Path> dirs = epochDirs(root);
        if (dirs.isEmpty()) {
            throw new IllegalArgumentException("no checkpoint (epoch-NNNN folder) in " + root);
        }
        List<String> problems = new ArrayList<>();
        for (Path dir : dirs) {
            try {
                return load(dir);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
                log.println("checkpoint refused: " + e.getMessage());
            }
        }
        throw new IllegalArgumentException("no usable checkpoint in " + root + ": " + String.join("; ", problems));
    }

    /** Verifies one checkpoint folder and reads its run specification and state. */
    public static Loaded load(Path dir) {
        verify(dir);
        try {
            Contents c = GSON.fromJson(Files.readString(dir.resolve(STATE_FILE), StandardCharsets.UTF_8), Contents.class);
            if (c == null || c.spec() == null || c.state() == null) {
                throw new IllegalArgumentException(dir.resolve(STATE_FILE) + ": no run specification or state");
            }
            // The record's constructor checks every setting (Gson bypasses it).
            RunSpec spec = c.spec().toBuilder().build();
            return new Loaded(dir, spec, c.state());
        } catch (IOException | JsonParseException e) {
            throw new IllegalArgumentException(dir.resolve(STATE_FILE) + ": " + e.getMessage(), e);
        }
    }

    /** Every file listed in {@code checksums.sha256} is there with its checksum, and so are the four a checkpoint needs. */
    static void verify(Path dir) {
        Path sums = dir.resolve(CHECKSUMS_FILE);
        if (!Files.isRegularFile(sums)) {
            throw new IllegalArgumentException(sums + " is missing: the checkpoint is incomplete");
        }
        Map<String, String> expected = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(sums, StandardCharsets.UTF_8)) {
                String[] f = line.split("  ", 2);
                if (f.length != 2 || !f[0].matches("[0-9a-f]{64}")) {
                    throw new IllegalArgumentException(sums + ": not a checksum line: " + line);
                }
                expected.put(f[1], f[0]);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(sums + ": " + e.getMessage(), e);
        }
        for (String needed : List.of(SavedModel.PARAMS_FILE, SavedModel.META_FILE, OPTIMIZER_FILE, STATE_FILE)) {
            if (!expected.containsKey(needed)) {
                throw new IllegalArgumentException(sums + " does not cover " + needed);
            }
        }
        for (Map.Entry<String, String> e : expected.entrySet()) {
            Path file = dir.resolve(e.getKey());
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(file + " is missing");
            }
            if (!sha256(file).equals(e.getValue())) {
                throw new IllegalArgumentException(file + " does not match its checksum: damaged or changed");
            }
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

    /** The epoch folders under {@code root}, newest first. */
    static List<Path> epochDirs(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> all = Files.list(root)) {
            return all.filter(p -> epochOf(p) >= 0).sorted(Comparator.comparingInt(Checkpoint::epochOf).reversed()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    private static int epochOf(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

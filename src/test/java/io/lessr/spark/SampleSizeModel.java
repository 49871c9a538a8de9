package io.lessr.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lessr.cli.MainAccess;
import io.lessr.data.AugmentedDataset;
import io.lessr.data.SessionDataset;
import io.lessr.data.SyntheticSessions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A dataset of the walkthrough sample's size (3,429 items, 9,381 training and 1,465 test sessions,
 * generated) and a model trained on it for one epoch and saved, made once per test JVM: the
 * sessions to recommend for are the test set's prefixes, as in the sample's evaluation.
 */
final class SampleSizeModel {
    private static SampleSizeModel instance;

    final Path dataset;
    final Path model;
    final List<List<Integer>> prefixes;

    private SampleSizeModel(Path root) {
        dataset = root.resolve("dataset");
        model = root.resolve("model");
        SyntheticSessions.write(new SyntheticSessions.Settings(3429, 9381, 1465, 4.0, 1.0, 3, 0.6, 0.1, 7), dataset);
        int code = MainAccess.commandLine().execute("train", "--dataset-dir", dataset.toString(), "--epochs", "1",
                "--embedding-dim", "16", "--num-layers", "2", "--save-dir", model.toString());
        assertEquals(0, code, "training the test model");
        AugmentedDataset test = new AugmentedDataset(SessionDataset.read(dataset).testSessions());
        List<List<Integer>> p = new ArrayList<>(test.size());
        for (int i = 0; i < test.size(); i++) {
            p.add(Arrays.stream(test.prefix(i)).boxed().toList());
        }
        prefixes = List.copyOf(p);
    }

    static synchronized SampleSizeModel get() {
        if (instance == null) {
            try {
                Path root = Files.createTempDirectory("lessr-spark-test-");
                root.toFile().deleteOnExit();
                instance = new SampleSizeModel(root);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    /** The prefixes in the dataset format, one a line: what {@code recommend --input} reads. */
    Path writePrefixes(Path file, boolean withIds) throws IOException {
        List<String> lines = new ArrayList<>(prefixes.size());
        for (int i = 0; i < prefixes.size(); i++) {
            String items = String.join(",", prefixes.get(i).stream().map(String::valueOf).toList());
            lines.add(withIds ? "s" + i + "\t" + items : items);
        }
        Files.write(file, lines);
        return file;
    }
}

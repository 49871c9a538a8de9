package io.lessr.data;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.Locale;

/**
 * A seeded generator of click sessions with the two structures session-based recommenders learn:
 * popularity skew (items drawn from a Zipf law) and sequential patterns (each item has a few
 * preferred successors, and sessions sometimes return to an item they already visited). The same
 * settings and seed always give the same files.
 */
public final class SyntheticSessions {

    /** Generator settings. {@code meanLength} counts clicks per session, at least 2, capped at 20. */
    public record Settings(int numItems, int numTrain, int numTest, double meanLength, double zipfExponent,
            int successors, double followProbability, double repeatProbability, long seed) {

        public Settings {
            if (numItems < 2 || numTrain < 1 || numTest < 1) {
                throw new IllegalArgumentException("need at least 2 items and 1 train and 1 test session");
            }
            if (meanLength < 2 || meanLength > 20) {
                throw new IllegalArgumentException("mean session length must lie in [2, 20], got " + meanLength);
            }
        }

        /** The kit's embedded default dataset ({@code data/synthetic}). */
        public static Settings embeddedDefault() {
            return new Settings(1000, 5000, 1000, 4.0, 1.0, 3, 0.6, 0.1, 42);
        }

        /**
         * Synthetic stand-ins with the size of the paper's datasets, to measure scale without the real
         * files: Diginetica (43,097 items, about 720,000 training and 60,000 test prefixes, sessions of
         * about 5 clicks), Gowalla (29,510 items, about 675,000 / 155,000 prefixes, about 4.3 clicks)
         * and Last.fm (38,616 items, about 2.8 million / 700,000 prefixes, about 10 clicks).
         */
        public static Settings preset(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "default" -> embeddedDefault();
                case "diginetica" -> new Settings(43_097, 180_000, 15_200, 5.0, 1.0, 3, 0.6, 0.1, 42);
                case "gowalla" -> new Settings(29_510, 205_000, 47_000, 4.3, 1.0, 3, 0.6, 0.1, 42);
                case "lastfm" -> new Settings(38_616, 315_000, 78_000, 10.0, 1.0, 3, 0.6, 0.1, 42);
                default -> throw new IllegalArgumentException(
                        "unknown preset '" + name + "': use default, diginetica, gowalla or lastfm");
            };
        }
    }

    private static final int MAX_LENGTH = 20;

    private final Settings settings;
    private final SplittableRandom random;
    private final double[] popularityCdf;
    private final int[][] successors;

    public SyntheticSessions(Settings settings) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
        int n = settings.numItems();
        // Popularity ranks are shuffled over ids so that id order says nothing.
        int[] rankOfId = Permutations.shuffled(n, random::nextInt);
        popularityCdf = new double[n];
        double total = 0;
        for (int id = 0; id < n; id++) {
            total += 1 / Math.pow(rankOfId[id] + 1, settings.zipfExponent());
            popularityCdf[id] = total;
        }
        for (int id = 0; id < n; id++) {
            popularityCdf[id] /= total;
        }
        successors = new int[n][settings.successors()];
        for (int id = 0; id < n; id++) {
            for (int s = 0; s < settings.successors(); s++) {
                int next;
                do {
                    next = popular();
                } while (next == id);
                successors[id][s] = next;
            }
        }
    }

    public List<int[]> sessions(int count) {
        List<int[]> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(session());
        }
        return out;
    }

    private int[] session() {
        // 2 + a geometric number of further clicks, so the mean is meanLength before the cap.
        double extraMean = settings.meanLength() - 2;
        int length = 2;
        while (length < MAX_LENGTH && random.nextDouble() < extraMean / (extraMean + 1)) {
            length++;
        }
        int[] s = new int[length];
        s[0] = popular();
        for (int i = 1; i < length; i++) {
            double u = random.nextDouble();
            if (u < settings.followProbability()) {
                // Preferred successors, the first one most often.
                int[] next = successors[s[i - 1]];
                int pick = 0;
                while (pick < next.length - 1 && random.nextDouble() < 0.4) {
                    pick++;
                }
                s[i] = next[pick];
            } else if (u < settings.followProbability() + settings.repeatProbability()) {
                s[i] = s[random.nextInt(i)];
            } else {
                s[i] = popular();
            }
        }
        return s;
    }

    private int popular() {
        int at = Arrays.binarySearch(popularityCdf, random.nextDouble());
        return Math.min(at >= 0 ? at : -at - 1, popularityCdf.length - 1);
    }

    /**
     * Writes a dataset folder ({@code num_items.txt}, {@code train.txt}, {@code test.txt}) in the
     * walkthrough's format, atomically ({@link AtomicDirectory}).
     */
    public static void write(Settings settings, Path dir) {
        SyntheticSessions generator = new SyntheticSessions(settings);
        List<int[]> train = generator.sessions(settings.numTrain());
        List<int[]> test = generator.sessions(settings.numTest());
        AtomicDirectory.write(dir, tmp -> {
            Files.writeString(tmp.resolve(SessionDataset.NUM_ITEMS_FILE), Integer.toString(settings.numItems()));
            writeSessions(tmp.resolve(SessionDataset.TRAIN_FILE), train);
            writeSessions(tmp.resolve(SessionDataset.TEST_FILE), test);
        });
    }

    static void writeSessions(Path file, List<int[]> sessions) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            for (int[] s : sessions) {
                for (int i = 0; i < s.length; i++) {
                    if (i > 0) {
                        w.write(',');
                    }
                    w.write(Integer.toString(s[i]));
                }
                w.write('\n');
            }
        }
    }
}

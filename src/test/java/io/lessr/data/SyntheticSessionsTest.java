package io.lessr.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticSessionsTest {
    @TempDir
    Path tmp;

    @Test
    void theSameSeedWritesTheSameFilesAndTheReaderAcceptsThem() throws IOException {
        SyntheticSessions.Settings s = new SyntheticSessions.Settings(200, 300, 50, 5, 1.0, 3, 0.6, 0.1, 3);
        SyntheticSessions.write(s, tmp.resolve("a"));
        SyntheticSessions.write(s, tmp.resolve("b"));
        for (String f : List.of("num_items.txt", "train.txt", "test.txt")) {
            assertArrayEquals(Files.readAllBytes(tmp.resolve("a").resolve(f)), Files.readAllBytes(tmp.resolve("b").resolve(f)), f);
        }
        SessionDataset d = SessionDataset.read(tmp.resolve("a"));
        assertEquals(200, d.numItems());
        assertEquals(300, d.trainSessions().size());
        double meanLength = d.trainSessions().stream().mapToInt(x -> x.length).average().orElseThrow();
        assertTrue(meanLength > 4 && meanLength < 6, "mean length " + meanLength);
        assertTrue(d.trainSessions().stream().allMatch(x -> x.length >= 2 && x.length <= 20));
        try (var files = Files.list(tmp)) {
            assertEquals(2, files.count(), "no temporary folders are left behind");
        }
    }

    @Test
    void presetsHaveThePaperDatasetSizes() {
        SyntheticSessions.Settings digi = SyntheticSessions.Settings.preset("diginetica");
        assertEquals(43_097, digi.numItems());
        // about 720,000 training prefixes: sessions x (mean length - 1)
        double prefixes = digi.numTrain() * (digi.meanLength() - 1);
        assertTrue(prefixes > 650_000 && prefixes < 800_000, "prefixes " + prefixes);
        assertEquals(29_510, SyntheticSessions.Settings.preset("gowalla").numItems());
        assertEquals(38_616, SyntheticSessions.Settings.preset("lastfm").numItems());
        assertTrue(SyntheticSessions.Settings.preset("lastfm").meanLength() > digi.meanLength(), "longer sessions");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SyntheticSessions.Settings.preset("movielens"));
        assertTrue(e.getMessage().contains("unknown preset"));
    }

    @Test
    void popularityIsSkewedAndTransitionsRepeat() {
        SyntheticSessions gen = new SyntheticSessions(SyntheticSessions.Settings.embeddedDefault());
        List<int[]> sessions = gen.sessions(3000);
        int[] counts = new int[1000];
        int pairs = 0;
        java.util.Map<Long, Integer> transitions = new java.util.HashMap<>();
        for (int[] s : sessions) {
            for (int i = 0; i < s.length; i++) {
                counts[s[i]]++;
                if (i > 0) {
                    transitions.merge((long) s[i - 1] * 1000 + s[i], 1, Integer::sum);
                    pairs++;
                }
            }
        }
        int[] sorted = Arrays.stream(counts).sorted().toArray();
        int top10 = Arrays.stream(sorted, sorted.length - 10, sorted.length).sum();
        int total = Arrays.stream(counts).sum();
        assertTrue(top10 > total / 10, "the 1% most popular items get over 10% of clicks");
        assertTrue(transitions.size() < pairs / 2, "transitions repeat: " + transitions.size() + " distinct of " + pairs);
    }
}

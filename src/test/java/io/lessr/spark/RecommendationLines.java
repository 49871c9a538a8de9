package io.lessr.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

/**
 * Compares lines of {@code item:score,...}: the same items in the same order, scores equal to the
 * printed precision. Batched scoring may differ from another batching by about 1e-7 relative
 * (README, "In a JVM service"), which can move the sixth decimal.
 */
final class RecommendationLines {
    private RecommendationLines() {}

    static void assertSame(List<String> expected, List<String> actual) {
        assertEquals(expected.size(), actual.size(), "number of lines");
        for (int i = 0; i < expected.size(); i++) {
            String[] e = expected.get(i).split("\t", -1);
            String[] a = actual.get(i).split("\t", -1);
            assertEquals(e.length, a.length, "line " + (i + 1));
            for (int f = 0; f < e.length - 1; f++) {
                assertEquals(e[f], a[f], "line " + (i + 1));
            }
            String[] ei = e[e.length - 1].split(",");
            String[] ai = a[a.length - 1].split(",");
            assertEquals(ei.length, ai.length, "line " + (i + 1));
            for (int j = 0; j < ei.length; j++) {
                String[] x = ei[j].split(":");
                String[] y = ai[j].split(":");
                assertEquals(x[0], y[0], "line " + (i + 1) + ", rank " + (j + 1) + ": " + expected.get(i) + " vs " + actual.get(i));
                assertEquals(Double.parseDouble(x[1]), Double.parseDouble(y[1]), 1.5e-6, "line " + (i + 1) + ", rank " + (j + 1));
            }
        }
    }
}

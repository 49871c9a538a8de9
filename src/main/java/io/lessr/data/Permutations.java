package io.lessr.data;

import java.util.function.IntUnaryOperator;

/** Orders of {@code 0 .. n-1}: as they are, or shuffled by a seeded generator. */
public final class Permutations {
    private Permutations() {}

    /** {@code 0, 1, ..., n-1}. */
    public static int[] identity(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }

    /**
     * A Fisher-Yates shuffle of {@code 0 .. n-1}: {@code below.applyAsInt(b)} draws uniformly from
     * {@code [0, b)} (e.g. {@code new Random(seed)::nextInt}), so a seed gives the same order every time.
     */
    public static int[] shuffled(int n, IntUnaryOperator below) {
        int[] order = identity(n);
        for (int i = n - 1; i > 0; i--) {
            int j = below.applyAsInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}

package io.lessr.exercise;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The sessions every check runs on: the edge cases first (the ones students get wrong), then random
 * sessions over few items, so that repeats and loops are common. The same list on every run.
 */
public final class ExerciseSessions {
    /** One item; one item twice; a loop back to the first item; items not in ascending order; long repeats. */
    public static final List<int[]> EDGE_CASES = List.of(
            new int[] {5},
            new int[] {4, 4},
            new int[] {1, 2, 1},
            new int[] {3, 1, 2},
            new int[] {9, 2, 9, 2, 9},
            new int[] {2, 2, 2, 7},
            new int[] {6, 5, 4, 3, 2, 1, 6},
            new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});

    private ExerciseSessions() {}

    /** The edge cases and {@code count} random sessions of 1 to 12 clicks over {@code numItems} items. */
    public static List<int[]> of(int count, int numItems, long seed) {
        Random random = new Random(seed);
        List<int[]> sessions = new ArrayList<>();
        for (int[] s : EDGE_CASES) {
            if (java.util.Arrays.stream(s).allMatch(i -> i < numItems)) {
                sessions.add(s.clone());
            }
        }
        for (int n = 0; n < count; n++) {
            int[] s = new int[1 + random.nextInt(12)];
            for (int i = 0; i < s.length; i++) {
                s[i] = random.nextInt(numItems);
            }
            sessions.add(s);
        }
        return sessions;
    }
}

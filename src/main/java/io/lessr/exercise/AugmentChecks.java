package io.lessr.exercise;

import io.lessr.data.AugmentedDataset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/** Checks {@code createIndex} and the augmented samples against the kit's {@link AugmentedDataset}. */
public final class AugmentChecks {
    private AugmentChecks() {}

    /** {@code createIndex}: a row {@code (sessionId, labelIndex)} for every label position 1..len-1, session by session. */
    public static void createIndex(Function<List<int[]>, int[][]> student) {
        Check check = new Check("createIndex");
        List<int[]> sessions = ExerciseSessions.of(100, 12, 3);
        AugmentedDataset kit = new AugmentedDataset(sessions, false);
        int[][] yours = check.call("createIndex(sessions)", () -> student.apply(copy(sessions)));
        int[][] expected = new int[kit.size()][];
        for (int i = 0; i < kit.size(); i++) {
            expected[i] = new int[] {kit.sessionId(i), kit.labelIndex(i)};
        }
        for (int i = 0; i < Math.min(expected.length, yours.length); i++) {
            if (!Arrays.equals(expected[i], yours[i])) {
                int sid = expected[i][0];
                throw check.failed(String.format("row %d differs: expected %s, yours %s (session %d is %s)%n  first rows expected %s%n  first rows yours    %s",
                        i, Arrays.toString(expected[i]), Arrays.toString(yours[i]), sid, Arrays.toString(sessions.get(sid)),
                        rows(expected, i), rows(yours, i)), indexHint(expected, yours, i));
            }
        }
        if (expected.length != yours.length) {
            throw check.failed(String.format("%d rows, expected %d for %d sessions of %d clicks in all",
                    yours.length, expected.length, sessions.size(), sessions.stream().mapToInt(s -> s.length).sum()),
                    yours.length > expected.length
                            ? "the last label position of a session of n clicks is n - 1: n - 1 rows a session"
                            : "every position 1..n-1 of every session is a label, sessions of one click give none");
        }
        check.passed(expected.length + " rows for " + sessions.size() + " sessions, as the kit's");
    }

    /** The augmented dataset: every prefix and its next item, longest prefixes first. */
    public static void augmentedSamples(Function<List<int[]>, List<AugmentedSample>> student) {
        Check check = new Check("AugmentedDataset");
        List<int[]> sessions = ExerciseSessions.of(100, 12, 4);
        AugmentedDataset kit = new AugmentedDataset(sessions);
        List<AugmentedSample> yours = check.call("new AugmentedDataset(sessions)", () -> student.apply(copy(sessions)));
        List<AugmentedSample> expected = new ArrayList<>();
        for (int i = 0; i < kit.size(); i++) {
            expected.add(new AugmentedSample(kit.prefix(i), kit.label(i)));
        }
        if (yours.size() != expected.size()) {
            long lengths = sessions.stream().mapToInt(s -> s.length).sum();
            throw check.failed(yours.size() + " samples, expected " + expected.size() + " from " + sessions.size() + " sessions",
                    yours.size() == lengths ? "a session of n clicks gives n - 1 samples: the whole session has no next item to predict"
                            : "one sample for each label position 1..n-1 of every session (createIndex's rows)");
        }
        for (int i = 0; i < yours.size(); i++) {
            AugmentedSample s = yours.get(i);
            if (s == null || s.seq() == null) {
                throw check.failed("sample " + i + " is null");
            }
            if (s.seq().length != expected.get(i).seq().length) {
                throw check.failed(String.format("sample %d has a prefix of %d items, expected %d: %s",
                        i, s.seq().length, expected.get(i).seq().length, sampleList(yours, i)),
                        yours.get(yours.size() - 1).seq().length > yours.get(0).seq().length
                                ? "longest prefixes first: sort the index by label position, descending (the original's argsort(...)[::-1])"
                                : "sort the index by label position, longest prefixes first");
            }
        }
        // Ties in label position may come in any order (numpy's argsort does not promise one): compare as sorted lists.
        List<AugmentedSample> exp = sortedSamples(expected);
        List<AugmentedSample> got = sortedSamples(yours);
        for (int i = 0; i < exp.size(); i++) {
            AugmentedSample e = exp.get(i);
            AugmentedSample g = got.get(i);
            if (!Arrays.equals(e.seq(), g.seq()) || e.label() != g.label()) {
                throw check.failed(String.format("a sample the kit does not make: yours (prefix %s, label %d), the nearest expected (prefix %s, label %d)",
                        Arrays.toString(g.seq()), g.label(), Arrays.toString(e.seq()), e.label()), sampleHint(sessions, g));
            }
        }
        check.passed(expected.size() + " samples, longest prefixes first, as the kit's");
    }

    private static String sampleHint(List<int[]> sessions, AugmentedSample g) {
        for (int[] s : sessions) {
            int n = g.seq().length;
            if (n <= s.length && Arrays.equals(Arrays.copyOf(s, n), g.seq())) {
                if (n < s.length && g.label() == s[n - 1]) {
                    return "the label is the item after the prefix, seq[labelIndex], not its last item";
                }
            }
            if (n >= 2 && n <= s.length && Arrays.equals(Arrays.copyOf(s, n - 1), Arrays.copyOf(g.seq(), n - 1))
                    && g.seq()[n - 1] == g.label()) {
                return "the prefix is seq[0..labelIndex), without the label itself";
            }
        }
        return "sample (sessionId, labelIndex) is the prefix seq[0..labelIndex) and the label seq[labelIndex]";
    }

    private static String indexHint(int[][] expected, int[][] yours, int i) {
        if (yours[i] == null || yours[i].length != 2) {
            return "each row is {sessionId, labelIndex}";
        }
        if (yours[i][0] == expected[i][1] && yours[i][1] == expected[i][0]) {
            return "columns swapped: {sessionId, labelIndex}";
        }
        if (yours[i][1] == expected[i][1] - 1) {
            return "label positions start at 1: the shortest prefix has one item";
        }
        return "rows session by session, and in each session label positions 1, 2, ..., n - 1";
    }

    private static String rows(int[][] index, int around) {
        StringBuilder sb = new StringBuilder();
        for (int i = Math.max(0, around - 2); i < Math.min(index.length, around + 3); i++) {
            sb.append(Arrays.toString(index[i]));
        }
        return sb.toString();
    }

    private static String sampleList(List<AugmentedSample> samples, int around) {
        StringBuilder sb = new StringBuilder("prefix lengths of samples 0..4 ");
        for (int i = 0; i < Math.min(samples.size(), 5); i++) {
            sb.append(i == 0 ? "" : ", ").append(samples.get(i).seq().length);
        }
        return sb.append(", of sample ").append(around).append(": ").append(samples.get(around).seq().length).toString();
    }

    private static List<AugmentedSample> sortedSamples(List<AugmentedSample> samples) {
        List<AugmentedSample> out = new ArrayList<>(samples);
        out.sort(Comparator.<AugmentedSample>comparingInt(s -> -s.seq().length)
                .thenComparing(AugmentedSample::seq, Arrays::compare)
                .thenComparingInt(AugmentedSample::label));
        return out;
    }

    private static List<int[]> copy(List<int[]> sessions) {
        return sessions.stream().map(int[]::clone).toList();
    }
}

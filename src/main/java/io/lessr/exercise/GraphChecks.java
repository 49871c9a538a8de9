package io.lessr.exercise;

import io.lessr.graph.SessionGraph;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Checks the walkthrough's graph builders against the kit's {@link SessionGraph} on every session of
 * {@link ExerciseSessions}, and names the usual mistake when a graph differs.
 */
public final class GraphChecks {
    static final int CHECKED = 150;
    static final int NUM_ITEMS = 12;

    private GraphChecks() {}

    /** {@code seqToEopMultigraph}: sorted nodes, one edge per transition in time order, repeats kept, {@code last} set. */
    public static void seqToEopMultigraph(Function<int[], GraphArrays> student) {
        seqToEopMultigraph(student, ExerciseSessions.of(CHECKED, NUM_ITEMS, 1));
    }

    /** {@code seqToEopMultigraph} on the given sessions (a teacher's hidden tests). */
    public static void seqToEopMultigraph(Function<int[], GraphArrays> student, List<int[]> sessions) {
        Check check = new Check("seqToEopMultigraph");
        for (int i = 0; i < sessions.size(); i++) {
            int[] seq = sessions.get(i);
            SessionGraph kit = SessionGraph.of(seq);
            GraphArrays yours = check.call("seqToEopMultigraph(" + Arrays.toString(seq) + ")", () -> student.apply(seq.clone()));
            int[] last = new int[kit.numNodes()];
            last[kit.last()] = 1;
            GraphArrays expected = new GraphArrays(kit.numNodes(), kit.items(), kit.eopSrc(), kit.eopDst(), last);
            String hint = nodeHint(seq, expected, yours);
            if (hint == null && !(Arrays.equals(expected.src(), yours.src()) && Arrays.equals(expected.dst(), yours.dst()))) {
                hint = eopEdgeHint(seq, expected, yours);
            }
            if (hint == null && !Arrays.equals(expected.last(), yours.last())) {
                hint = lastHint(seq, expected, yours);
            }
            if (hint != null || !sameGraph(expected, yours, true)) {
                throw check.failed(difference(seq, i, sessions.size(), expected, yours, true), hint);
            }
        }
        check.passed("the kit's graph for all " + sessions.size() + " sessions (" + edgeCases(sessions) + " edge cases)");
    }

    /** {@code seqToShortcutGraph}: sorted nodes, an edge for every pair of clicks {@code i <= j}, each pair once. */
    public static void seqToShortcutGraph(Function<int[], GraphArrays> student) {
        seqToShortcutGraph(student, ExerciseSessions.of(CHECKED, NUM_ITEMS, 2));
    }

    /** {@code seqToShortcutGraph} on the given sessions (a teacher's hidden tests). */
    public static void seqToShortcutGraph(Function<int[], GraphArrays> student, List<int[]> sessions) {
        Check check = new Check("seqToShortcutGraph");
        for (int i = 0; i < sessions.size(); i++) {
            int[] seq = sessions.get(i);
            SessionGraph kit = SessionGraph.of(seq);
            GraphArrays yours = check.call("seqToShortcutGraph(" + Arrays.toString(seq) + ")", () -> student.apply(seq.clone()));
            GraphArrays expected = new GraphArrays(kit.numNodes(), kit.items(), kit.shortcutSrc(), kit.shortcutDst(), null);
            String hint = nodeHint(seq, expected, yours);
            if (hint == null && !sameEdgeSet(expected, yours)) {
                hint = shortcutEdgeHint(expected, yours);
            }
            if (hint != null || !sameGraph(expected, yours, false)) {
                throw check.failed(difference(seq, i, sessions.size(), expected, yours, false), hint);
            }
        }
        check.passed("the kit's graph for all " + sessions.size() + " sessions (" + edgeCases(sessions)
                + " edge cases; edges in any order, as SGAT's softmax and sums do not depend on it)");
    }

    private static long edgeCases(List<int[]> sessions) {
        return ExerciseSessions.EDGE_CASES.stream().filter(e -> sessions.stream().anyMatch(s -> Arrays.equals(s, e))).count();
    }

    private static boolean sameGraph(GraphArrays expected, GraphArrays yours, boolean ordered) {
        return expected.numNodes() == yours.numNodes() && Arrays.equals(expected.iid(), yours.iid())
                && (ordered ? Arrays.equals(expected.src(), yours.src()) && Arrays.equals(expected.dst(), yours.dst())
                        : sameEdgeSet(expected, yours))
                && (!ordered || Arrays.equals(expected.last(), yours.last()));
    }

    private static String nodeHint(int[] seq, GraphArrays expected, GraphArrays yours) {
        if (yours.iid() == null) {
            return "iid is null: it holds each node's item id";
        }
        if (yours.src() == null || yours.dst() == null) {
            return "src and dst hold the edges' end nodes; a session of one click has none: empty arrays, not null";
        }
        if (yours.src().length != yours.dst().length) {
            return "src and dst must have one entry per edge: " + yours.src().length + " vs " + yours.dst().length;
        }
        if (Arrays.equals(expected.iid(), yours.iid()) && yours.numNodes() == expected.numNodes()) {
            return null;
        }
        if (Arrays.equals(yours.iid(), Arrays.stream(seq).distinct().toArray())) {
            return "nodes not sorted: the nodes are the session's unique items in ascending order (np.unique),"
                    + " not in order of first click";
        }
        if (yours.iid().length == seq.length && seq.length > expected.iid().length) {
            return "one node per click: a repeated item is one node (the unique items of the session)";
        }
        if (yours.numNodes() != yours.iid().length) {
            return "numNodes must be the number of nodes, iid.length";
        }
        return "the nodes are the session's unique items in ascending order";
    }

    private static String eopEdgeHint(int[] seq, GraphArrays expected, GraphArrays yours) {
        List<Long> exp = pairs(expected.src(), expected.dst());
        List<Long> got = pairs(yours.src(), yours.dst());
        if (new ArrayList<>(new LinkedHashSet<>(exp)).equals(got) && exp.size() > got.size()) {
            return "edges deduplicated: the EOP multigraph keeps every transition, repeats included,"
                    + " which is what makes the aggregation lossless";
        }
        if (pairs(yours.dst(), yours.src()).equals(exp)) {
            return "edges reversed: each edge goes from a click's node to the next click's node (src = seq[i], dst = seq[i + 1])";
        }
        if (Arrays.equals(yours.src(), Arrays.copyOfRange(seq, 0, Math.max(0, seq.length - 1)))
                && Arrays.equals(yours.dst(), Arrays.copyOfRange(seq, Math.min(1, seq.length), seq.length))
                && !exp.equals(got)) {
            return "edges hold item ids: src and dst hold node ids (positions in iid), as iid2nid maps them";
        }
        if (sorted(exp).equals(sorted(got))) {
            return "edges out of time order: add them in click order; EOPA's GRU reads each node's in-edges in the order they were added";
        }
        if (got.size() == exp.size() + 1) {
            return "one edge too many: a session of n clicks has n - 1 transitions";
        }
        return "one edge from each click to the next, in time order, repeats kept";
    }

    private static String lastHint(int[] seq, GraphArrays expected, GraphArrays yours) {
        if (yours.last() == null) {
            return "last is missing: label the node of the session's last item (labelLast), last[v] = 1 there and 0 elsewhere";
        }
        if (yours.last().length != expected.numNodes()) {
            return "last is a 0/1 flag per node: an array of numNodes entries";
        }
        int first = Arrays.binarySearch(expected.iid(), seq[0]);
        if (yours.last()[first] == 1 && Arrays.stream(yours.last()).sum() == 1) {
            return "last marks the node of the last click, seq[seq.length - 1], not the first";
        }
        return "last[v] = 1 for the node of the session's last item and 0 for every other node";
    }

    private static String shortcutEdgeHint(GraphArrays expected, GraphArrays yours) {
        List<Long> got = pairs(yours.src(), yours.dst());
        Set<Long> gotSet = new HashSet<>(got);
        Set<Long> exp = new HashSet<>(pairs(expected.src(), expected.dst()));
        if (gotSet.size() < got.size()) {
            return "an edge twice: each pair of nodes once (deduplicate the pairs, as the original does)";
        }
        Set<Long> withoutLoops = new HashSet<>();
        for (int e = 0; e < expected.src().length; e++) {
            if (expected.src()[e] != expected.dst()[e]) {
                withoutLoops.add(pair(expected.src()[e], expected.dst()[e]));
            }
        }
        if (gotSet.equals(withoutLoops)) {
            return "self-loops left out: the pairs are i <= j, so every node also has an edge to itself";
        }
        if (gotSet.equals(new HashSet<>(pairs(expected.dst(), expected.src())))) {
            return "edges reversed: from every click to every later click (src earlier, dst later)";
        }
        if (exp.containsAll(gotSet)) {
            return "edges missing: an edge for every pair of positions i <= j, not only consecutive clicks";
        }
        return "an edge from every click's node to the node of every later click (i <= j), each pair once";
    }

    private static boolean sameEdgeSet(GraphArrays expected, GraphArrays yours) {
        List<Long> got = pairs(yours.src(), yours.dst());
        return got.size() == expected.src().length
                && new HashSet<>(got).equals(new HashSet<>(pairs(expected.src(), expected.dst())));
    }

    private static long pair(int src, int dst) {
        return ((long) src << 32) | (dst & 0xffffffffL);
    }

    private static List<Long> pairs(int[] src, int[] dst) {
        List<Long> out = new ArrayList<>();
        for (int e = 0; e < Math.min(src.length, dst.length); e++) {
            out.add(pair(src[e], dst[e]));
        }
        return out;
    }

    private static List<Long> sorted(List<Long> xs) {
        List<Long> out = new ArrayList<>(xs);
        out.sort(null);
        return out;
    }

    private static String difference(int[] seq, int index, int total, GraphArrays expected, GraphArrays yours, boolean withLast) {
        StringBuilder sb = new StringBuilder("a different graph for session " + Arrays.toString(seq)
                + " (session " + (index + 1) + " of " + total + " checked)\n");
        row(sb, "numNodes", String.valueOf(expected.numNodes()), String.valueOf(yours.numNodes()));
        row(sb, "iid", Arrays.toString(expected.iid()), Arrays.toString(yours.iid()));
        row(sb, "src", Arrays.toString(expected.src()), Arrays.toString(yours.src()));
        row(sb, "dst", Arrays.toString(expected.dst()), Arrays.toString(yours.dst()));
        if (withLast) {
            row(sb, "last", Arrays.toString(expected.last()), Arrays.toString(yours.last()));
        }
        return sb.toString().stripTrailing();
    }

    private static void row(StringBuilder sb, String field, String expected, String yours) {
        sb.append(String.format("  %s %-8s expected %s, yours %s%n", Objects.equals(expected, yours) ? " " : "✘", field, expected, yours));
    }
}

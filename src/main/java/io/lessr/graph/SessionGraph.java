package io.lessr.graph;

import java.util.Arrays;

/**
 * The two graphs LESSR builds from one session prefix, as the walkthrough's
 * {@code seq_to_eop_multigraph} and {@code seq_to_shortcut_graph} do.
 *
 * <ul>
 *   <li>Nodes: the prefix's unique items in ascending id order ({@code np.unique}).
 *   <li>EOP multigraph: an edge from each item's node to the next item's node, in time order, repeats
 *       kept; EOPA reads each node's incoming edges in this order.
 *   <li>Shortcut graph: an edge for every pair of positions {@code i <= j}, deduplicated, in order of
 *       first occurrence; {@code i == j} gives every node a self-loop.
 *   <li>{@code last}: the node of the prefix's last item.
 * </ul>
 */
public record SessionGraph(
        int[] items, int[] eopSrc, int[] eopDst, int last, int[] shortcutSrc, int[] shortcutDst) {

    public static SessionGraph of(int[] seq) {
        if (seq.length == 0) {
            throw new IllegalArgumentException("a session prefix needs at least one item");
        }
        int[] items = Arrays.stream(seq).distinct().sorted().toArray();
        int[] nid = new int[seq.length];
        for (int i = 0; i < seq.length; i++) {
            nid[i] = Arrays.binarySearch(items, seq[i]);
        }
        int numEdges = seq.length - 1;
        int[] eopSrc = Arrays.copyOfRange(nid, 0, numEdges);
        int[] eopDst = Arrays.copyOfRange(nid, 1, numEdges + 1);

        int n = items.length;
        boolean[] seen = new boolean[n * n];
        int[] src = new int[n * n];
        int[] dst = new int[n * n];
        int count = 0;
        for (int i = 0; i < seq.length; i++) {
            for (int j = i; j < seq.length; j++) {
                int key = nid[i] * n + nid[j];
                if (!seen[key]) {
                    seen[key] = true;
                    src[count] = nid[i];
                    dst[count++] = nid[j];
                }
            }
        }
        return new SessionGraph(items, eopSrc, eopDst, nid[seq.length - 1],
                Arrays.copyOf(src, count), Arrays.copyOf(dst, count));
    }

    public int numNodes() {
        return items.length;
    }

    @Override
    public String toString() {
        return "SessionGraph[items=" + Arrays.toString(items)
                + ", eop=" + edges(eopSrc, eopDst) + ", last=" + last
                + ", shortcut=" + edges(shortcutSrc, shortcutDst) + "]";
    }

    private static String edges(int[] src, int[] dst) {
        StringBuilder sb = new StringBuilder("[");
        for (int e = 0; e < src.length; e++) {
            sb.append(e == 0 ? "" : ", ").append(src[e]).append("->").append(dst[e]);
        }
        return sb.append("]").toString();
    }
}

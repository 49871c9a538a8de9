package io.lessr.exercise;

/**
 * A student's graph as the checks read it: the notebook's {@code Graph} fields {@code numNodes},
 * node data {@code iid} and {@code last} (a 0/1 flag per node, null where the graph has none), and
 * the edges {@code src[e] -> dst[e]}.
 */
public record GraphArrays(int numNodes, int[] iid, int[] src, int[] dst, int[] last) {}

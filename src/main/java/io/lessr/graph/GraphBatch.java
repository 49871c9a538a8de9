package io.lessr.graph;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.Arrays;
import java.util.List;

/**
 * A batch of session graphs as flat Java arrays, turned into a handful of tensors by {@link
 * #toNDList(NDManager)}. Node indices are global: session {@code b}'s nodes follow session {@code
 * b-1}'s, as in a DGL batched graph.
 *
 * <p>Layout, chosen by measurement on the sample data (prefix lengths 1 to 19 in one batch):
 *
 * <ul>
 *   <li>EOPA runs its GRU over each node's in-edges. Nodes are bucketed by in-degree, as DGL's
 *       degree bucketing does, so a bucket is a dense {@code (nodes, degree)} matrix of message
 *       sources with no padding at all. Padding every node to the batch's largest in-degree would
 *       run the GRU over ~6x more steps than there are edges.
 *   <li>SGAT's and the readout's softmax-weighted sums are segment sums over a flat edge (or node)
 *       list, done as one sparse COO matrix product each: linear in the number of edges, where a
 *       padded neighbour list would grow with the largest in-degree of the batch.
 * </ul>
 */
public final class GraphBatch {
    /** Positions of the tensors in {@link #toNDList(NDManager)}. */
    public static final int ITEM_IDS = 0;
    public static final int LAST_NODES = 1;
    public static final int NODE_SESSIONS = 2;
    public static final int SESSION_SUM = 3;
    public static final int NEIGH_INDEX = 4;
    public static final int SHORTCUT_SRC = 5;
    public static final int SHORTCUT_DST = 6;
    public static final int SHORTCUT_SUM = 7;
    public static final int FIRST_BUCKET = 8;

    private final List<SessionGraph> graphs;
    private final int[] labels;
    private final long[] itemIds;
    private final long[] nodeSessions;
    private final long[] lastNodes;
    private final long[] shortcutSrc;
    private final long[] shortcutDst;
    private final long[] neighIndex;
    private final int[] bucketDegrees;
    private final long[][] bucketSources;
    private final int numEopEdges;

    private GraphBatch(List<SessionGraph> graphs, int[] labels) {
        this.graphs = graphs;
        this.labels = labels;
        int numNodes = 0;
        int numShortcut = 0;
        int numEop = 0;
        for (SessionGraph g : graphs) {
            numNodes += g.numNodes();
            numShortcut += g.shortcutSrc().length;
            numEop += g.eopSrc().length;
        }
        numEopEdges = numEop;
        itemIds = new long[numNodes];
        nodeSessions = new long[numNodes];
        lastNodes = new long[graphs.size()];
        shortcutSrc = new long[numShortcut];
        shortcutDst = new long[numShortcut];
        int[] inDegree = new int[numNodes];
        int offset = 0;
        int s = 0;
        for (int b = 0; b < graphs.size(); b++) {
            SessionGraph g = graphs.get(b);
            for (int i = 0; i < g.numNodes(); i++) {
                itemIds[offset + i] = g.items()[i];
                nodeSessions[offset + i] = b;
            }
            lastNodes[b] = offset + g.last();
            for (int e = 0; e < g.shortcutSrc().length; e++, s++) {
                shortcutSrc[s] = offset + g.shortcutSrc()[e];
                shortcutDst[s] = offset + g.shortcutDst()[e];
            }
            for (int dst : g.eopDst()) {
                inDegree[offset + dst]++;
            }
            offset += g.numNodes();
        }

        // Degree buckets: bucket k holds the nodes with in-degree k in node order; row r lists the
        // sources of that node's in-edges in time order.
        int maxDegree = Arrays.stream(inDegree).max().orElse(0);
        int[] bucketSize = new int[maxDegree + 1];
        for (int d : inDegree) {
            bucketSize[d]++;
        }
        int numBuckets = 0;
        for (int k = 1; k <= maxDegree; k++) {
            numBuckets += bucketSize[k] > 0 ? 1 : 0;
        }
        bucketDegrees = new int[numBuckets];
        bucketSources = new long[numBuckets][];
        int[] bucketOf = new int[maxDegree + 1];
        int[] bucketRowOffset = new int[maxDegree + 1];
        int rowOffset = 1; // row 0 of the stacked GRU states is the zero row for in-degree 0
        for (int k = 1, j = 0; k <= maxDegree; k++) {
            if (bucketSize[k] > 0) {
                bucketDegrees[j] = k;
                bucketSources[j] = new long[bucketSize[k] * k];
                bucketOf[k] = j++;
                bucketRowOffset[k] = rowOffset;
                rowOffset += bucketSize[k];
            }
        }
        neighIndex = new long[numNodes];
        int[] nodeRow = new int[numNodes];
        int[] nextRow = new int[maxDegree + 1];
        for (int v = 0; v < numNodes; v++) {
            int k = inDegree[v];
            nodeRow[v] = k == 0 ? -1 : nextRow[k]++;
            neighIndex[v] = k == 0 ? 0 : bucketRowOffset[k] + nodeRow[v];
        }
        int[] filled = new int[numNodes];
        offset = 0;
        for (SessionGraph g : graphs) {
            for (int e = 0; e < g.eopSrc().length; e++) {
                int v = offset + g.eopDst()[e];
                int k = inDegree[v];
                bucketSources[bucketOf[k]][nodeRow[v] * k + filled[v]++] = offset + g.eopSrc()[e];
            }
            offset += g.numNodes();
        }
    }

    /** Builds the graphs of {@code prefixes} and batches them. */
    public static GraphBatch of(List<int[]> prefixes, int[] labels) {
        if (prefixes.size() != labels.length) {
            throw new IllegalArgumentException(prefixes.size() + " prefixes but " + labels.length + " labels");
        }
        return new GraphBatch(prefixes.stream().map(SessionGraph::of).toList(), labels.clone());
    }

    /** Turns the batch into tensors on {@code manager}'s device; see the index constants. */
    public NDList toNDList(NDManager manager) {
        int numNodes = itemIds.length;
        int numSessions = lastNodes.length;
        NDList list = new NDList(FIRST_BUCKET + bucketDegrees.length);
        list.add(manager.create(itemIds));
        list.add(manager.create(lastNodes));
        list.add(manager.create(nodeSessions));
        list.add(ones(manager, new long[][] {nodeSessions, arange(numNodes)}, new Shape(numSessions, numNodes)));
        list.add(manager.create(neighIndex));
        list.add(manager.create(shortcutSrc));
        list.add(manager.create(shortcutDst));
        list.add(ones(manager, new long[][] {shortcutDst, arange(shortcutDst.length)},
                new Shape(numNodes, shortcutDst.length)));
        for (int j = 0; j < bucketDegrees.length; j++) {
            int k = bucketDegrees[j];
            list.add(manager.create(bucketSources[j], new Shape(bucketSources[j].length / k, k)));
        }
        return list;
    }

    public NDArray labels(NDManager manager) {
        return manager.create(Arrays.stream(labels).asLongStream().toArray());
    }

    /**
     * A sparse COO matrix with a 1 at each (row, col). Not {@code NDManager.createCoo}: it closes the
     * dense index array right away, while on the CPU the sparse tensor still reads the Java buffer
     * behind it, which the garbage collector then frees. Here the index array lives as long as the
     * manager's scope.
     */
    private static NDArray ones(NDManager manager, long[][] indices, Shape shape) {
        int n = indices[1].length;
        long[] flat = new long[2 * n];
        System.arraycopy(indices[0], 0, flat, 0, n);
        System.arraycopy(indices[1], 0, flat, n, n);
        NDArray values = manager.ones(new Shape(n));
        NDArray coordinates = manager.create(flat, new Shape(2, n));
        return JniUtils.createSparseCoo((PtNDArray) coordinates, (PtNDArray) values, shape);
    }

    private static long[] arange(int n) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    public List<SessionGraph> graphs() {
        return graphs;
    }

    public int[] labels() {
        return labels.clone();
    }

    public int size() {
        return labels.length;
    }

    public int numNodes() {
        return itemIds.length;
    }

    public int numEopEdges() {
        return numEopEdges;
    }

    public int numShortcutEdges() {
        return shortcutSrc.length;
    }

    /** The in-degrees that have nodes, ascending: one GRU call each in EOPA. */
    public int[] bucketDegrees() {
        return bucketDegrees.clone();
    }
}

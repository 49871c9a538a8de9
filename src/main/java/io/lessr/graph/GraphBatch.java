package io.lessr.graph;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;

/**
 * A batch of session graphs as flat Java arrays, turned into a handful of tensors by {@link
 * #toNDList(NDManager)}. Node indices are global: session {@code b}'s nodes follow session {@code
 * b-1}'s, as in a DGL batched graph.
 *
 * <p>Layout, chosen by measurement on the sample data (prefix lengths 1 to 19 in one batch):
 *
 * <ul>
 *   <li>EOPA runs a GRU over each node's in-edges in time order. The messages are packed step-major,
 *       nodes sorted by in-degree, longest first ({@link #EOP_SOURCES}, {@link #EOP_STEPS}): step t
 *       lists the source of the t-th in-edge of every node with more than t in-edges, so the GRU
 *       computes exactly one step per edge. Padding every node to the batch's largest in-degree
 *       would compute about 6x more steps than there are edges; DGL's degree buckets compute no
 *       padding either, but cost one GRU call per distinct degree.
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
    /** Sparse (sessions, nodes): 1 where the node belongs to the session. */
    public static final int SESSION_SUM = 3;
    /** Per node: 0 without in-edges, else 1 + its rank in the in-degree order of the packed GRU input. */
    public static final int NEIGH_INDEX = 4;
    public static final int SHORTCUT_SRC = 5;
    public static final int SHORTCUT_DST = 6;
    /** Sparse (nodes, shortcut edges): 1 where the edge ends at the node. */
    public static final int SHORTCUT_SUM = 7;
    /** EOP edge sources packed step-major for the GRU. */
    public static final int EOP_SOURCES = 8;
    /** Per GRU step, the number of nodes still reading messages; a CPU array whatever the device. */
    public static final int EOP_STEPS = 9;

    private final List<SessionGraph> graphs;
    private final int[] labels;
    private final long[] itemIds;
    private final long[] nodeSessions;
    private final long[] lastNodes;
    private final long[] shortcutSrc;
    private final long[] shortcutDst;
    private final long[] neighIndex;
    private final long[] eopSources;
    private final long[] stepSizes;
    private volatile List<GraphBatch> parts;

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

        // In-edges of each node in time order (CSR by destination).
        int[] inStart = new int[numNodes + 1];
        for (int v = 0; v < numNodes; v++) {
            inStart[v + 1] = inStart[v] + inDegree[v];
        }
        int[] inSources = new int[numEop];
        int[] filled = new int[numNodes];
        offset = 0;
        for (SessionGraph g : graphs) {
            for (int e = 0; e < g.eopSrc().length; e++) {
                int v = offset + g.eopDst()[e];
                inSources[inStart[v] + filled[v]++] = offset + g.eopSrc()[e];
            }
            offset += g.numNodes();
        }

        // Nodes with in-edges by in-degree, largest first, ties in node order (a counting sort).
        int maxDegree = Arrays.stream(inDegree).max().orElse(0);
        int[] degreeStart = new int[maxDegree + 1]; // by key maxDegree - degree, shifted by one
        int numReceivers = 0;
        for (int d : inDegree) {
            if (d > 0) {
                degreeStart[maxDegree - d + 1]++;
                numReceivers++;
            }
        }
        for (int i = 1; i <= maxDegree; i++) {
            degreeStart[i] += degreeStart[i - 1];
        }
        int[] sorted = new int[numReceivers];
        neighIndex = new long[numNodes];
        for (int v = 0; v < numNodes; v++) {
            if (inDegree[v] > 0) {
                int rank = degreeStart[maxDegree - inDegree[v]]++;
                sorted[rank] = v;
                neighIndex[v] = 1 + rank;
            }
        }
        stepSizes = new long[maxDegree];
        eopSources = new long[numEop];
        int at = 0;
        for (int t = 0; t < maxDegree; t++) {
            for (int rank = 0; rank < numReceivers && inDegree[sorted[rank]] > t; rank++) {
                eopSources[at++] = inSources[inStart[sorted[rank]] + t];
                stepSizes[t]++;
            }
        }
    }

    /** Builds the graphs of {@code prefixes} and batches them. */
    public static GraphBatch of(List<int[]> prefixes, int[] labels) {
        if (prefixes.size() != labels.length) {
            throw new IllegalArgumentException(prefixes.size() + " prefixes but " + labels.length + " labels");
        }
        return new GraphBatch(prefixes.stream().map(SessionGraph::of).toList(), labels.clone());
    }

    /** The batch of sessions {@code [from, to)} of this one, in order, with their labels. */
    public GraphBatch sessions(int from, int to) {
        if (from < 0 || to > graphs.size() || from >= to) {
            throw new IndexOutOfBoundsException("sessions [" + from + ", " + to + ") of a batch of " + graphs.size());
        }
        // A list of the kind every batch holds (not a view), so that the JIT sees one kind of list.
        return new GraphBatch(List.copyOf(graphs.subList(from, to)), Arrays.copyOfRange(labels, from, to));
    }

    /**
     * The batch cut into {@code count} contiguous parts, part {@code i} the sessions {@code [n i / count,
     * n (i + 1) / count)} of the {@code n}: built on the first call and kept, so that a collator's
     * worker can build them ahead of the training step that splits the batch.
     */
    public List<GraphBatch> parts(int count) {
        List<GraphBatch> kept = parts;
        if (kept != null && kept.size() == count) {
            return kept;
        }
        if (count < 1 || count > graphs.size()) {
            throw new IllegalArgumentException("cannot cut a batch of " + graphs.size() + " sessions into " + count + " parts");
        }
        List<GraphBatch> cut = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            cut.add(sessions((int) ((long) graphs.size() * i / count), (int) ((long) graphs.size() * (i + 1) / count)));
        }
        parts = List.copyOf(cut);
        return parts;
    }

    /** Turns the batch into tensors on {@code manager}'s device; see the index constants. */
    public NDList toNDList(NDManager manager) {
        int numNodes = itemIds.length;
        NDList list = new NDList(EOP_STEPS + 1);
        list.add(manager.create(itemIds));
        list.add(manager.create(lastNodes));
        list.add(manager.create(nodeSessions));
        list.add(SegmentMatrix.ones(manager, new long[][] {nodeSessions, LongStream.range(0, numNodes).toArray()}, new Shape(lastNodes.length, numNodes)));
        list.add(manager.create(neighIndex));
        list.add(manager.create(shortcutSrc));
        list.add(manager.create(shortcutDst));
        list.add(SegmentMatrix.ones(manager, new long[][] {shortcutDst, LongStream.range(0, shortcutDst.length).toArray()},
                new Shape(numNodes, shortcutDst.length)));
        list.add(manager.create(eopSources));
        Device device = placement(EOP_STEPS, manager.getDevice());
        list.add((device.equals(manager.getDevice()) ? manager : manager.newSubManager(device)).create(stepSizes));
        return list;
    }

    /**
     * Where tensor {@code index} of {@link #toNDList} goes when the model runs on {@code device}: all
     * on the model's device, but the GRU's step sizes, which steer a loop on the host (reading them
     * from a GPU would synchronise every batch).
     */
    public static Device placement(int index, Device device) {
        return index == EOP_STEPS ? Device.cpu() : device;
    }

    public NDArray labels(NDManager manager) {
        return manager.create(Arrays.stream(labels).asLongStream().toArray());
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
        return eopSources.length;
    }

    public int numShortcutEdges() {
        return shortcutSrc.length;
    }

    /** The GRU's packed step sizes: how many nodes read a t-th message, for t = 0, 1, ... */
    public long[] eopStepSizes() {
        return stepSizes.clone();
    }
}

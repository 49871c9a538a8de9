package io.lessr.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.lessr.model.EngineSettings;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GraphBatchTest {
    @BeforeAll
    static void engine() {
        EngineSettings.configureDefaults();
    }

    @Test
    void nodesAreNumberedGloballySessionAfterSession() {
        GraphBatch b = GraphBatch.of(List.of(new int[] {3, 1}, new int[] {8, 2, 8, 2}), new int[] {4, 5});
        try (NDManager m = NDManager.newBaseManager()) {
            NDList t = b.toNDList(m);
            assertArrayEquals(new long[] {1, 3, 2, 8}, t.get(GraphBatch.ITEM_IDS).toLongArray());
            assertArrayEquals(new long[] {0, 2}, t.get(GraphBatch.LAST_NODES).toLongArray());
            assertArrayEquals(new long[] {0, 0, 1, 1}, t.get(GraphBatch.NODE_SESSIONS).toLongArray());
            assertArrayEquals(new long[] {4, 5}, b.labels(m).toLongArray());
            // session 0: 3->1 gives node 0 (item 1) in-degree 1; session 1: 8->2, 2->8, 8->2 give node 2
            // (item 2) in-degree 2 and node 3 (item 8) in-degree 1. Packed longest first: node 2, 0, 3.
            assertArrayEquals(new long[] {3, 1}, b.eopStepSizes());
            assertArrayEquals(new long[] {2, 0, 1, 3}, t.get(GraphBatch.NEIGH_INDEX).toLongArray());
            assertArrayEquals(new long[] {3, 1, 2, 3}, t.get(GraphBatch.EOP_SOURCES).toLongArray());
        }
    }

    @Test
    void aRangeOfSessionsIsTheBatchOfThoseSessions() {
        List<int[]> prefixes = List.of(new int[] {3, 1}, new int[] {8, 2, 8, 2}, new int[] {5}, new int[] {2, 6, 2});
        int[] labels = {4, 5, 6, 7};
        GraphBatch part = GraphBatch.of(prefixes, labels).sessions(1, 3);
        GraphBatch expected = GraphBatch.of(prefixes.subList(1, 3), new int[] {5, 6});
        try (NDManager m = NDManager.newBaseManager()) {
            NDList got = part.toNDList(m);
            NDList want = expected.toNDList(m);
            assertEquals(want.size(), got.size());
            for (int i = 0; i < want.size(); i++) {
                assertEquals(want.get(i).getShape(), got.get(i).getShape(), "tensor " + i);
                assertTrue(want.get(i).toDense().contentEquals(got.get(i).toDense()), "tensor " + i);
            }
            assertArrayEquals(new int[] {5, 6}, part.labels());
        }
        GraphBatch batch = GraphBatch.of(prefixes, labels);
        assertThrows(IndexOutOfBoundsException.class, () -> batch.sessions(2, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> batch.sessions(3, 5));
    }

    @Test
    void partsAreContiguousRangesCutOnceAndKept() {
        List<int[]> prefixes = List.of(new int[] {3, 1}, new int[] {8, 2, 8, 2}, new int[] {5}, new int[] {2, 6, 2},
                new int[] {7, 7});
        GraphBatch batch = GraphBatch.of(prefixes, new int[] {4, 5, 6, 7, 8});
        List<GraphBatch> halves = batch.parts(2);
        assertEquals(2, halves.size());
        assertArrayEquals(new int[] {4, 5}, halves.get(0).labels()); // [0, 5/2)
        assertArrayEquals(new int[] {6, 7, 8}, halves.get(1).labels());
        assertEquals(batch.sessions(0, 2).numNodes(), halves.get(0).numNodes());
        assertEquals(batch.sessions(2, 5).numNodes(), halves.get(1).numNodes());
        assertTrue(halves == batch.parts(2), "cut again instead of kept");
        assertEquals(List.of(1, 2, 2), batch.parts(3).stream().map(GraphBatch::size).toList());
        assertThrows(IllegalArgumentException.class, () -> batch.parts(6));
        assertThrows(IllegalArgumentException.class, () -> batch.parts(0));
    }

    /** Each node's GRU input must be its in-edges' sources in time order; nodes without in-edges read row 0. */
    @Test
    void packedGruInputListsEveryInEdgeInTimeOrder() {
        Random random = new Random(7);
        List<int[]> prefixes = new ArrayList<>();
        for (int s = 0; s < 200; s++) {
            int[] p = new int[1 + random.nextInt(19)];
            for (int i = 0; i < p.length; i++) {
                p[i] = random.nextInt(12);
            }
            prefixes.add(p);
        }
        GraphBatch b = GraphBatch.of(prefixes, new int[prefixes.size()]);
        // Expected: per global node, the list of global sources in edge order.
        List<List<Long>> expected = new ArrayList<>();
        int offset = 0;
        for (SessionGraph g : b.graphs()) {
            for (int v = 0; v < g.numNodes(); v++) {
                expected.add(new ArrayList<>());
            }
            for (int e = 0; e < g.eopSrc().length; e++) {
                expected.get(offset + g.eopDst()[e]).add((long) (offset + g.eopSrc()[e]));
            }
            offset += g.numNodes();
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDList t = b.toNDList(m);
            long[] sources = t.get(GraphBatch.EOP_SOURCES).toLongArray();
            long[] steps = t.get(GraphBatch.EOP_STEPS).toLongArray();
            long[] neighIndex = t.get(GraphBatch.NEIGH_INDEX).toLongArray();
            assertEquals(b.numNodes(), neighIndex.length);
            assertEquals(b.numEopEdges(), java.util.Arrays.stream(steps).sum(), "one GRU step per edge, no padding");
            for (int i = 1; i < steps.length; i++) {
                assertTrue(steps[i] <= steps[i - 1], "sequences are packed longest first");
            }
            for (int v = 0; v < neighIndex.length; v++) {
                List<Long> got = new ArrayList<>();
                if (neighIndex[v] > 0) {
                    long rank = neighIndex[v] - 1;
                    long at = 0;
                    for (long stepSize : steps) {
                        if (rank < stepSize) {
                            got.add(sources[(int) (at + rank)]);
                        }
                        at += stepSize;
                    }
                }
                assertEquals(expected.get(v), got, "node " + v);
            }
        }
    }

    @Test
    void segmentMatricesPutEachRowInItsSegment() {
        GraphBatch b = GraphBatch.of(List.of(new int[] {3, 1}, new int[] {2}), new int[] {0, 0});
        try (NDManager m = NDManager.newBaseManager()) {
            NDList t = b.toNDList(m);
            float[] sessionSum = t.get(GraphBatch.SESSION_SUM).toDense().toFloatArray();
            assertArrayEquals(new float[] {1, 1, 0, 0, 0, 1}, sessionSum);
            long[] dst = t.get(GraphBatch.SHORTCUT_DST).toLongArray();
            float[] shortcutSum = t.get(GraphBatch.SHORTCUT_SUM).toDense().toFloatArray();
            int numEdges = dst.length;
            for (int e = 0; e < numEdges; e++) {
                for (int v = 0; v < b.numNodes(); v++) {
                    assertEquals(v == dst[e] ? 1f : 0f, shortcutSum[v * numEdges + e]);
                }
            }
        }
    }
}

package io.lessr.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SessionGraphTest {
    @Test
    void nodesAreUniqueItemsInAscendingOrderAndEdgesFollowTime() {
        SessionGraph g = SessionGraph.of(new int[] {9, 4, 9, 7});
        assertArrayEquals(new int[] {4, 7, 9}, g.items());
        // 9->4, 4->9, 9->7 as node indices: 2->0, 0->2, 2->1
        assertArrayEquals(new int[] {2, 0, 2}, g.eopSrc());
        assertArrayEquals(new int[] {0, 2, 1}, g.eopDst());
        assertEquals(1, g.last());
    }

    @Test
    void repeatedTransitionsStayAsParallelEdges() {
        SessionGraph g = SessionGraph.of(new int[] {1, 2, 1, 2});
        assertArrayEquals(new int[] {0, 1, 0}, g.eopSrc());
        assertArrayEquals(new int[] {1, 0, 1}, g.eopDst());
    }

    @Test
    void shortcutGraphLinksEveryLaterPositionOnceWithSelfLoopsInFirstOccurrenceOrder() {
        SessionGraph g = SessionGraph.of(new int[] {9, 4, 9});
        // positions (0,0)=9->9 (0,1)=9->4 (0,2)=9->9 dup, (1,1)=4->4 (1,2)=4->9, (2,2)=9->9 dup
        assertArrayEquals(new int[] {1, 1, 0, 0}, g.shortcutSrc());
        assertArrayEquals(new int[] {1, 0, 0, 1}, g.shortcutDst());
    }

    @Test
    void aSingleItemHasNoEopEdgesAndOneSelfLoop() {
        SessionGraph g = SessionGraph.of(new int[] {5});
        assertEquals(0, g.eopSrc().length);
        assertArrayEquals(new int[] {0}, g.shortcutSrc());
        assertArrayEquals(new int[] {0}, g.shortcutDst());
        assertEquals(0, g.last());
    }

    @Test
    void anEmptyPrefixIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> SessionGraph.of(new int[0]));
    }
}

package io.lessr.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class AugmentedDatasetTest {
    private final List<int[]> sessions = List.of(new int[] {0, 1, 2}, new int[] {3, 4}, new int[] {5, 6, 5, 7});

    @Test
    void everyPrefixIsLabelledWithTheNextItem() {
        AugmentedDataset d = new AugmentedDataset(sessions, false);
        assertEquals(2 + 1 + 3, d.size());
        assertArrayEquals(new int[] {0}, d.prefix(0));
        assertEquals(1, d.label(0));
        assertArrayEquals(new int[] {0, 1}, d.prefix(1));
        assertEquals(2, d.label(1));
        assertArrayEquals(new int[] {5, 6, 5}, d.prefix(5));
        assertEquals(7, d.label(5));
    }

    @Test
    void sortedByLabelPositionDescendingWithTiesInSessionOrder() {
        AugmentedDataset d = new AugmentedDataset(sessions);
        int[] labelIdx = new int[d.size()];
        int[] sid = new int[d.size()];
        for (int i = 0; i < d.size(); i++) {
            labelIdx[i] = d.labelIndex(i);
            sid[i] = d.sessionId(i);
        }
        assertArrayEquals(new int[] {3, 2, 2, 1, 1, 1}, labelIdx);
        assertArrayEquals(new int[] {2, 0, 2, 0, 1, 2}, sid);
        assertArrayEquals(new int[] {5, 6, 5}, d.prefix(0));
        assertEquals(7, d.label(0));
    }

    @Test
    void singleItemSessionsGiveNoSamples() {
        assertEquals(0, new AugmentedDataset(List.of(new int[] {4})).size());
    }
}

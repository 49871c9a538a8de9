package io.lessr.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lessr.data.AugmentedDataset;
import io.lessr.data.SyntheticSessions;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CollatorTest {
    @ParameterizedTest(name = "{0} workers")
    @ValueSource(ints = {0, 1, 3})
    void batchesComeInOrderWhateverTheWorkerCount(int workers) {
        SyntheticSessions gen = new SyntheticSessions(SyntheticSessions.Settings.embeddedDefault());
        AugmentedDataset data = new AugmentedDataset(gen.sessions(300));
        int[] order = new int[data.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = order.length - 1 - i;
        }
        List<Integer> labels = new ArrayList<>();
        int batches = 0;
        try (Collator c = new Collator(workers)) {
            Iterator<GraphBatch> it = c.batches(data, order, 64, true);
            while (it.hasNext()) {
                GraphBatch b = it.next();
                assertEquals(64, b.size());
                for (int l : b.labels()) {
                    labels.add(l);
                }
                batches++;
            }
        }
        assertEquals(data.size() / 64, batches);
        assertEquals(Collator.numBatches(data.size(), 64, true), batches);
        for (int i = 0; i < labels.size(); i++) {
            assertEquals(data.label(order[i]), labels.get(i));
        }
    }

    @ParameterizedTest(name = "batch size {0}")
    @ValueSource(ints = {1, 7, 1000})
    void withoutDropLastEverySampleIsKept(int batchSize) {
        AugmentedDataset data = new AugmentedDataset(List.of(new int[] {1, 2, 3, 4}, new int[] {5, 6}));
        try (Collator c = new Collator(2)) {
            Iterator<GraphBatch> it = c.batches(data, new int[] {0, 1, 2, 3}, batchSize, false);
            int n = 0;
            while (it.hasNext()) {
                n += it.next().size();
            }
            assertEquals(4, n);
        }
        assertArrayEquals(new int[] {1, 2, 3}, data.prefix(0));
    }

    /** A notebook's interrupt can come while the training thread waits for the next batch's graphs. */
    @Test
    void anInterruptWhileWaitingForABatchIsACancellationAndStaysSet() {
        SyntheticSessions gen = new SyntheticSessions(SyntheticSessions.Settings.embeddedDefault());
        AugmentedDataset data = new AugmentedDataset(gen.sessions(20_000));
        int[] order = IntStream.range(0, data.size()).toArray();
        try (Collator c = new Collator(1)) {
            Iterator<GraphBatch> it = c.batches(data, order, data.size(), false); // one batch, tens of ms to build
            Thread.currentThread().interrupt();
            CancellationException e = assertThrows(CancellationException.class, it::next);
            assertTrue(Thread.interrupted(), "the interrupt is kept for the caller");
            assertInstanceOf(InterruptedException.class, e.getCause());
        } finally {
            Thread.interrupted();
        }
    }
}

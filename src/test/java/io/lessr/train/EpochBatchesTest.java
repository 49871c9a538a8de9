package io.lessr.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.lessr.data.AugmentedDataset;
import io.lessr.data.SyntheticSessions;
import io.lessr.graph.GraphBatch;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class EpochBatchesTest {
    private static final SyntheticSessions GEN = new SyntheticSessions(SyntheticSessions.Settings.embeddedDefault());
    private static final AugmentedDataset TRAIN = new AugmentedDataset(GEN.sessions(400));
    private static final AugmentedDataset TEST = new AugmentedDataset(GEN.sessions(50));
    private static final RunSpec SPEC = RunSpec.builder().batchSize(64).seed(3).build();

    /** Each batch as its labels and its item ids: what tells two batches apart. */
    private static List<long[]> contents(Iterator<GraphBatch> batches) {
        List<long[]> out = new ArrayList<>();
        while (batches.hasNext()) {
            GraphBatch b = batches.next();
            out.add(java.util.Arrays.stream(b.labels()).asLongStream().toArray());
            out.add(b.graphs().stream().flatMapToInt(g -> java.util.Arrays.stream(g.items())).asLongStream().toArray());
        }
        return out;
    }

    private static void assertSameBatches(List<long[]> expected, List<long[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "part " + i);
        }
    }

    @Test
    void aStartedEpochIsTheEpochItWouldHaveBeen() {
        List<long[]> epoch0;
        List<long[]> epoch2;
        try (EpochBatches plain = new EpochBatches(TRAIN, TEST, SPEC)) {
            epoch0 = contents(plain.train(0));
            epoch2 = contents(plain.train(2));
        }
        assertEquals(2 * (TRAIN.size() / 64), epoch0.size(), "whole batches only");
        assertFalse(java.util.Arrays.equals(epoch0.get(0), epoch2.get(0)), "each epoch has its own shuffle");
        try (EpochBatches started = new EpochBatches(TRAIN, TEST, SPEC).start(2)) {
            assertSameBatches(epoch0, contents(started.train(0))); // not the started one
            assertSameBatches(epoch2, contents(started.train(2)));
            assertSameBatches(epoch2, contents(started.train(2))); // handed out once, then built anew
        }
    }

    @Test
    void theTestSetComesInOrderWithTheShortBatchKept() {
        try (EpochBatches batches = new EpochBatches(TRAIN, TEST, SPEC)) {
            List<Integer> labels = new ArrayList<>();
            Iterator<GraphBatch> it = batches.test();
            while (it.hasNext()) {
                for (int label : it.next().labels()) {
                    labels.add(label);
                }
            }
            assertEquals(TEST.size(), labels.size());
            for (int i = 0; i < TEST.size(); i++) {
                assertEquals(TEST.label(i), labels.get(i));
            }
        }
    }
}

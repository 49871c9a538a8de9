package io.lessr.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import io.lessr.model.EngineSettings;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MetricsTest {
    @BeforeAll
    static void engine() {
        EngineSettings.configureDefaults();
    }

    @Test
    void hitReciprocalRankAndNdcgFollowTheWalkthrough() {
        Metrics m = new Metrics(List.of(1, 3));
        m.add(new long[] {1, 2, 3, 10});
        Map<String, Double> r = m.results();
        assertEquals(List.of("HR@1", "MRR@1", "NDCG@1", "HR@3", "MRR@3", "NDCG@3"), List.copyOf(r.keySet()));
        assertEquals(0.25, r.get("HR@1"), 1e-12);
        assertEquals(0.25, r.get("MRR@1"), 1e-12);
        assertEquals(0.25, r.get("NDCG@1"), 1e-12);
        assertEquals(0.75, r.get("HR@3"), 1e-12);
        assertEquals((1 + 0.5 + 1 / 3.0) / 4, r.get("MRR@3"), 1e-12);
        assertEquals((1 + 1 / (Math.log(3) / Math.log(2)) + 0.5) / 4, r.get("NDCG@3"), 1e-12);
    }

    @Test
    void ranksCountItemsScoredAboveTheLabel() {
        try (NDManager m = NDManager.newBaseManager()) {
            long[] ranks = TrainRunner.ranks(
                    m.create(new float[][] {{0.1f, 0.9f, 0.5f, 0.3f}, {2f, 1f, 0f, -1f}}),
                    m.create(new long[] {2, 0}));
            assertArrayEquals(new long[] {2, 1}, ranks);
        }
    }

    @Test
    void nanScoresAreAnErrorNotAPerfectRank() {
        try (NDManager m = NDManager.newBaseManager()) {
            assertThrows(ai.djl.TrainingDivergedException.class, () -> TrainRunner.ranks(
                    m.create(new float[][] {{Float.NaN, Float.NaN}}), m.create(new long[] {0})));
        }
    }

    @Test
    void resultsAreFormattedAsTheWalkthroughPrintsThem() {
        Map<String, Double> r = new java.util.LinkedHashMap<>();
        r.put("HR@20", 0.59204);
        r.put("MRR@20", 0.32675);
        assertEquals("Metric\tHR@20\tMRR@20\nValue\t59.20\t32.68\nEpoch\t20\t21",
                TrainRunner.formatResults(r, Map.of("HR@20", 20, "MRR@20", 21)));
    }
}

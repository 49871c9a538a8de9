package io.lessr.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EarlyStoppingTest {
    private static Map<String, Double> r(double hr, double mrr) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("HR@20", hr);
        m.put("MRR@20", mrr);
        return m;
    }

    @Test
    void anyImprovedMetricResetsTheCounterAndPatienceBadEpochsStop() {
        EarlyStopping s = new EarlyStopping(2);
        assertFalse(s.update(0, r(0.5, 0.2)));
        assertFalse(s.update(1, r(0.4, 0.3)), "MRR improved");
        assertFalse(s.update(2, r(0.5, 0.3)), "ties are not improvements: one bad epoch");
        assertTrue(s.update(3, r(0.45, 0.25)), "second bad epoch in a row");
        assertEquals(0.5, s.best().get("HR@20"));
        assertEquals(0, s.bestEpochs().get("HR@20"));
        assertEquals(1, s.bestEpochs().get("MRR@20"));
    }

    @Test
    void aGoodEpochBetweenBadOnesResets() {
        EarlyStopping s = new EarlyStopping(2);
        s.update(0, r(0.5, 0.2));
        assertFalse(s.update(1, r(0.4, 0.1)));
        assertFalse(s.update(2, r(0.6, 0.1)));
        assertFalse(s.update(3, r(0.4, 0.1)));
        assertTrue(s.update(4, r(0.4, 0.1)));
    }
}

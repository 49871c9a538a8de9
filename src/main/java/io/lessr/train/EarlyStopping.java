package io.lessr.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The walkthrough's early stopping: an epoch is good when any metric beats its best so far (bests
 * start at 0); after {@code patience} bad epochs in a row, training stops. Also keeps, for the
 * "Best results" table, each metric's best value and the epoch it was reached.
 */
public final class EarlyStopping {
    private final int patience;
    private final Map<String, Double> best = new LinkedHashMap<>();
    private final Map<String, Integer> bestEpoch = new LinkedHashMap<>();
    private int badEpochs;

    public EarlyStopping(int patience) {
        if (patience < 1) {
            throw new IllegalArgumentException("patience must be at least 1, got " + patience);
        }
        this.patience = patience;
    }

    /** Records an epoch's results; returns true when training should stop. */
    public boolean update(int epoch, Map<String, Double> results) {
        boolean anyBetter = false;
        for (Map.Entry<String, Double> e : results.entrySet()) {
            if (e.getValue() > best.getOrDefault(e.getKey(), 0.0)) {
                best.put(e.getKey(), e.getValue());
                bestEpoch.put(e.getKey(), epoch);
                anyBetter = true;
            } else {
                best.putIfAbsent(e.getKey(), 0.0);
                bestEpoch.putIfAbsent(e.getKey(), 0);
            }
        }
        badEpochs = anyBetter ? 0 : badEpochs + 1;
        return badEpochs == patience;
    }

    /** Restores the state of an interrupted run. */
    public void restore(Map<String, Double> best, Map<String, Integer> bestEpochs, int badEpochs) {
        this.best.clear();
        this.best.putAll(best);
        this.bestEpoch.clear();
        this.bestEpoch.putAll(bestEpochs);
        this.badEpochs = badEpochs;
    }

    public Map<String, Double> best() {
        return best;
    }

    public Map<String, Integer> bestEpochs() {
        return bestEpoch;
    }

    public int badEpochs() {
        return badEpochs;
    }
}

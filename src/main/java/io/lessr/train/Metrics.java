package io.lessr.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ArrayList;

/**
 * HR@K, MRR@K and NDCG@K as the walkthrough's {@code evaluate} computes them: a sample whose label
 * ranks r <= K among all items scores a hit, 1/r and 1/log2(1 + r); other samples score 0; each
 * metric is the mean over all samples.
 *
 * <p>The rank is 1 + the number of items scored strictly above the label, which is the label's
 * position in {@code topk} (ties between float logits aside), found without sorting all items.
 */
public final class Metrics {
    private final int[] ks;
    private final double[] hits;
    private final double[] reciprocalRanks;
    private final double[] ndcg;
    private long numSamples;

    public Metrics(List<Integer> ks) {
        if (ks.isEmpty() || ks.stream().anyMatch(k -> k <= 0)) {
            throw new IllegalArgumentException("every K must be at least 1, got " + ks);
        }
        this.ks = ks.stream().mapToInt(Integer::intValue).toArray();
        hits = new double[this.ks.length];
        reciprocalRanks = new double[this.ks.length];
        ndcg = new double[this.ks.length];
    }

    /** Adds samples by the 1-based rank of their label. */
    public void add(long[] ranks) {
        for (long rank : ranks) {
            if (rank < 1) {
                throw new IllegalArgumentException("ranks are 1-based, got " + rank);
            }
            for (int i = 0; i < ks.length; i++) {
                if (rank <= ks[i]) {
                    hits[i] += 1;
                    reciprocalRanks[i] += 1.0 / rank;
                    ndcg[i] += 1.0 / (Math.log(1 + rank) / Math.log(2));
                }
            }
        }
        numSamples += ranks.length;
    }

    /** Metric name ({@code HR@10}, {@code MRR@10}, {@code NDCG@10}, then the next K) to its mean, as a fraction. */
    public Map<String, Double> results() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < ks.length; i++) {
            out.put("HR@" + ks[i], hits[i] / numSamples);
            out.put("MRR@" + ks[i], reciprocalRanks[i] / numSamples);
            out.put("NDCG@" + ks[i], ndcg[i] / numSamples);
        }
        return out;
    }

    /** The names of the metrics at cut-offs {@code ks}, in the order of {@link #results()}. */
    public static List<String> names(List<Integer> ks) {
        List<String> names = new ArrayList<>();
        for (int k : ks) {
            names.addAll(List.of("HR@" + k, "MRR@" + k, "NDCG@" + k));
        }
        return names;
    }

    /** Refuses a metric name the run does not compute. */
    public static void checkName(String metric, List<Integer> ks) {
        if (!names(ks).contains(metric)) {
            throw new IllegalArgumentException("the metric to keep the best model by must be one of " + names(ks)
                    + ", got " + metric);
        }
    }

    public long numSamples() {
        return numSamples;
    }
}

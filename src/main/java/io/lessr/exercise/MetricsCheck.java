package io.lessr.exercise;

import io.lessr.train.Metrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.ToDoubleFunction;

/**
 * Checks {@code evaluate}'s HR@K, MRR@K and NDCG@K, computed from ranked lists (each sample's top
 * items, best first, and its label), against the kit's {@link Metrics}, and recognises the usual
 * mistakes by computing them too.
 */
public final class MetricsCheck {
    private static final List<Integer> KS = List.of(1, 5, 10, 20);
    /** The rank of a label not in the list: beyond every K. */
    private static final long MISS = Integer.MAX_VALUE;

    private MetricsCheck() {}

    /** The student's metrics: {@code topk[i]} are sample i's item ids, best first ({@code max(Ks)} of them). */
    @FunctionalInterface
    public interface StudentMetrics {
        Map<String, Double> compute(long[][] topk, long[] labels, List<Integer> Ks);
    }

    /** The usual mistakes, each as the metrics it gives for 1-based ranks. */
    private enum Mistake {
        RANK_FROM_ZERO("rank counted from 0: the best item has rank 1, so MRR adds 1/(r + 1) and NDCG 1/log2(r + 2) for the 0-based position r"),
        NATURAL_LOG("log base of NDCG: 1/log2(1 + rank), a logarithm to base 2 (Math.log(x) / Math.log(2)), not Math.log"),
        LOG_OF_RANK("NDCG is 1/log2(1 + rank): rank 1 scores 1, not 1/log2(rank)"),
        OFF_BY_ONE_K("the K-th item counts: a hit is rank <= K"),
        MEAN_OVER_HITS("the mean is over all samples, those without a hit included (they score 0)"),
        PERCENT("the metrics are fractions in [0, 1]; printResults shows them as percent");

        final String hint;

        Mistake(String hint) {
            this.hint = hint;
        }
    }

    public static void evaluate(StudentMetrics student) {
        Check check = new Check("evaluate");
        Random random = new Random(11);
        List<long[][]> cases = new ArrayList<>();
        List<long[]> labelCases = new ArrayList<>();
        for (int c = 0; c < 20; c++) {
            int n = 1 + random.nextInt(40);
            int maxK = KS.get(KS.size() - 1);
            long[][] topk = new long[n][];
            long[] labels = new long[n];
            for (int i = 0; i < n; i++) {
                topk[i] = randomRanking(random, maxK);
                int where = c == 0 ? i % (maxK + 3) : random.nextInt(maxK + 10); // case 0: every rank 1..20 and misses
                labels[i] = where < maxK ? topk[i][where] : 1000 + random.nextInt(100);
            }
            cases.add(topk);
            labelCases.add(labels);
        }
        for (int c = 0; c < cases.size(); c++) {
            long[][] topk = cases.get(c);
            long[] labels = labelCases.get(c);
            long[] ranks = ranks(topk, labels);
            Metrics kit = new Metrics(KS);
            kit.add(ranks);
            Map<String, Double> expected = kit.results();
            Map<String, Double> yours = check.call("your metrics", () -> student.compute(copy(topk), labels.clone(), KS));
            if (!yours.keySet().equals(expected.keySet())) {
                throw check.failed("the metrics are " + yours.keySet() + ", expected " + expected.keySet());
            }
            for (String metric : expected.keySet()) {
                double e = expected.get(metric);
                double y = yours.get(metric);
                if (!(Math.abs(e - y) <= 1e-9)) {
                    throw check.failed(String.format("%s of %d samples with label ranks %s: expected %.6f, yours %.6f",
                            metric, ranks.length, rankText(ranks), e, y), hint(metric, ranks, y));
                }
            }
        }
        check.passed("the kit's HR@K, MRR@K and NDCG@K for K in " + KS + " on " + cases.size() + " batches of ranked lists");
    }

    private static String hint(String metric, long[] ranks, double yours) {
        for (Mistake m : Mistake.values()) {
            double wrong = mistaken(m, metric, ranks);
            if (wrong == yours || Math.abs(wrong - yours) <= 1e-9) { // infinities compare equal, not by difference
                return m.hint;
            }
        }
        return "a sample whose label is at 1-based position r <= K of its ranked list scores HR 1, MRR 1/r and NDCG 1/log2(1 + r),"
                + " other samples 0; each metric is the mean over all samples";
    }

    private static double mistaken(Mistake m, String metric, long[] ranks) {
        String name = metric.substring(0, metric.indexOf('@'));
        int k = Integer.parseInt(metric.substring(metric.indexOf('@') + 1));
        ToDoubleFunction<Long> score = r -> switch (name) {
            case "HR" -> 1;
            case "MRR" -> 1.0 / (m == Mistake.RANK_FROM_ZERO ? r - 1 : r);
            default -> 1.0 / switch (m) {
                case RANK_FROM_ZERO -> Math.log(r) / Math.log(2);
                case NATURAL_LOG -> Math.log(1 + r);
                case LOG_OF_RANK -> Math.log(r) / Math.log(2);
                default -> Math.log(1 + r) / Math.log(2);
            };
        };
        double sum = 0;
        long hits = 0;
        for (long r : ranks) {
            boolean hit = m == Mistake.OFF_BY_ONE_K ? r < k : r <= k;
            if (hit) {
                sum += score.applyAsDouble(r);
                hits++;
            }
        }
        double mean = m == Mistake.MEAN_OVER_HITS ? (hits == 0 ? 0 : sum / hits) : sum / ranks.length;
        return m == Mistake.PERCENT ? 100 * mean : mean;
    }

    /** 1-based rank of each label in its list, {@link #MISS} where it is not in the list. */
    private static long[] ranks(long[][] topk, long[] labels) {
        long[] ranks = new long[labels.length];
        for (int i = 0; i < labels.length; i++) {
            ranks[i] = MISS;
            for (int r = 0; r < topk[i].length; r++) {
                if (topk[i][r] == labels[i]) {
                    ranks[i] = r + 1;
                    break;
                }
            }
        }
        return ranks;
    }

    private static String rankText(long[] ranks) {
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < Math.min(ranks.length, 12); i++) {
            shown.add(ranks[i] == MISS ? "-" : String.valueOf(ranks[i]));
        }
        return "[" + String.join(", ", shown) + (ranks.length > 12 ? ", ..." : "") + "] (- : not in the list)";
    }

    private static long[] randomRanking(Random random, int k) {
        List<Long> items = new ArrayList<>();
        for (long i = 0; i < 100; i++) {
            items.add(i);
        }
        java.util.Collections.shuffle(items, random);
        return items.subList(0, k).stream().mapToLong(Long::longValue).toArray();
    }

    private static long[][] copy(long[][] xs) {
        long[][] out = new long[xs.length][];
        for (int i = 0; i < xs.length; i++) {
            out[i] = xs[i].clone();
        }
        return out;
    }

}

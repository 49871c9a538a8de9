package io.lessr.train;

import io.lessr.model.LessrConfig;

import java.util.List;

/**
 * One training run as the walkthrough's {@code Args} describe it: the dataset, the model's
 * hyper-parameters and the training settings. {@link #walkthrough()} is the one place the walkthrough's
 * defaults are written; the command line, the notebooks and checkpoints all start from it. Every
 * setting is checked once, here, before any work starts; a bad one is an {@link IllegalArgumentException}
 * naming the setting.
 *
 * @param datasetDir the dataset folder (null: the embedded default)
 * @param validSplit train on the first part of train.txt, test on this last fraction of it (null: test.txt)
 * @param seed initial weights, shuffling and dropout: a CPU run with the same seed repeats exactly
 */
public record RunSpec(String datasetDir, Double validSplit, int embeddingDim, int numLayers, double featDrop,
        double lr, int batchSize, int epochs, double weightDecay, List<Integer> ks, int patience, int numWorkers,
        int logInterval, long seed) {

    public RunSpec {
        ks = ks == null ? null : List.copyOf(ks);
        check(validSplit == null || validSplit > 0 && validSplit < 1, "validSplit must lie in (0, 1)", validSplit);
        check(embeddingDim >= 1, "embeddingDim must be at least 1", embeddingDim);
        check(numLayers >= 1, "numLayers must be at least 1", numLayers);
        check(featDrop >= 0 && featDrop < 1, "featDrop must lie in [0, 1)", featDrop);
        check(lr > 0 && Double.isFinite(lr), "lr must be positive", lr);
        check(batchSize >= 1, "batchSize must be at least 1", batchSize);
        check(epochs >= 1, "epochs must be at least 1", epochs);
        check(weightDecay >= 0 && Double.isFinite(weightDecay), "weightDecay must be at least 0", weightDecay);
        check(ks != null && !ks.isEmpty(), "Ks must name at least one cut-off", ks);
        for (int k : ks) {
            check(k >= 1, "Ks must all be at least 1", ks);
        }
        check(patience >= 1, "patience must be at least 1", patience);
        check(numWorkers >= 1, "numWorkers must be at least 1", numWorkers);
        check(logInterval >= 1, "logInterval must be at least 1", logInterval);
    }

    private static void check(boolean ok, String rule, Object value) {
        if (!ok) {
            throw new IllegalArgumentException(rule + ", got " + value);
        }
    }

    /** The walkthrough's {@code Args}: embedding 32, 3 layers, dropout 0.2, AdamW lr 1e-3 and weight decay 1e-4, batches of 512, 30 epochs, HR/MRR/NDCG at 10 and 20, patience 2, 2 workers, a log line every 100 batches. */
    public static RunSpec walkthrough() {
        return new RunSpec(null, null, 32, 3, 0.2, 1e-3, 512, 30, 1e-4, List.of(10, 20), 2, 2, 100, 0);
    }

    /**
     * The seed of epoch {@code epoch}'s shuffle and dropout: it depends only on (seed, epoch), so a resumed run
     * repeats the epochs it continues with exactly.
     */
    public long epochSeed(int epoch) {
        return seed * 1_000_003L + epoch;
    }

    /** The model's hyper-parameters for a dataset of {@code numItems} items (batch norm on, as the walkthrough). */
    public LessrConfig config(int numItems) {
        return new LessrConfig(numItems, embeddingDim, numLayers, featDrop, true);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** A builder starting from the walkthrough's defaults. */
    public static Builder builder() {
        return walkthrough().toBuilder();
    }

    /** Changes some settings; {@link #build()} checks them all. */
    public static final class Builder {
        private String datasetDir;
        private Double validSplit;
        private int embeddingDim;
        private int numLayers;
        private double featDrop;
        private double lr;
        private int batchSize;
        private int epochs;
        private double weightDecay;
        private List<Integer> ks;
        private int patience;
        private int numWorkers;
        private int logInterval;
        private long seed;

        private Builder(RunSpec s) {
            datasetDir = s.datasetDir;
            validSplit = s.validSplit;
            embeddingDim = s.embeddingDim;
            numLayers = s.numLayers;
            featDrop = s.featDrop;
            lr = s.lr;
            batchSize = s.batchSize;
            epochs = s.epochs;
            weightDecay = s.weightDecay;
            ks = s.ks;
            patience = s.patience;
            numWorkers = s.numWorkers;
            logInterval = s.logInterval;
            seed = s.seed;
        }

        public Builder datasetDir(String v) { datasetDir = v; return this; }
        public Builder validSplit(Double v) { validSplit = v; return this; }
        public Builder embeddingDim(int v) { embeddingDim = v; return this; }
        public Builder numLayers(int v) { numLayers = v; return this; }
        public Builder featDrop(double v) { featDrop = v; return this; }
        public Builder lr(double v) { lr = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder epochs(int v) { epochs = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder ks(List<Integer> v) { ks = v; return this; }
        public Builder patience(int v) { patience = v; return this; }
        public Builder numWorkers(int v) { numWorkers = v; return this; }
        public Builder logInterval(int v) { logInterval = v; return this; }
        public Builder seed(long v) { seed = v; return this; }

        public RunSpec build() {
            return new RunSpec(datasetDir, validSplit, embeddingDim, numLayers, featDrop, lr, batchSize, epochs,
                    weightDecay, ks, patience, numWorkers, logInterval, seed);
        }
    }
}

package io.lessr.train;

import ai.djl.TrainingDivergedException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.lessr.data.AugmentedDataset;
import io.lessr.graph.Collator;
import io.lessr.graph.GraphBatch;
import io.lessr.model.EngineSettings;
import io.lessr.model.Lessr;
import io.lessr.model.TorchNames;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * The walkthrough's {@code TrainRunner}: AdamW with the weight-decay groups of {@code
 * fix_weight_decay}, cross-entropy, the mean loss printed every {@code logInterval} batches, an
 * evaluation after every epoch, and early stopping; prints each epoch's and the best results in the
 * walkthrough's layout.
 */
public final class TrainRunner {

    /** Training settings; the defaults are the walkthrough's. */
    public record Options(double lr, double weightDecay, int batchSize, int epochs, List<Integer> ks, int patience,
            int numWorkers, int logInterval, long seed, boolean progressBar, String checkpointDir) {
        public static Options defaults() {
            return new Options(1e-3, 1e-4, 512, 30, List.of(10, 20), 2, 4, 100, 0, false, null);
        }

        public Options withEpochs(int epochs) {
            return new Options(lr, weightDecay, batchSize, epochs, ks, patience, numWorkers, logInterval, seed,
                    progressBar, checkpointDir);
        }

        /** Writes a checkpoint after every epoch into {@code dir} (null: none). */
        public Options withCheckpointDir(Path dir) {
            return new Options(lr, weightDecay, batchSize, epochs, ks, patience, numWorkers, logInterval, seed,
                    progressBar, dir == null ? null : dir.toString());
        }

        /** The settings a resumed run may change: the rest must stay as the run started. */
        public Options withRunSettings(int epochs, int numWorkers, int logInterval, boolean progressBar) {
            return new Options(lr, weightDecay, batchSize, epochs, ks, patience, numWorkers, logInterval, seed,
                    progressBar, checkpointDir);
        }
    }

    /** Follows a run as it goes, e.g. to draw a live progress line in a notebook. */
    public interface Listener {
        /** After each training batch; {@code batch} counts from 1 within the epoch. */
        default void onBatch(int epoch, int batch, int numBatches, float loss) {}

        /** After each epoch's evaluation. */
        default void onEpoch(EpochResult result) {}
    }

    public TrainRunner listener(Listener listener) {
        this.listener = listener;
        return this;
    }

    /** One epoch: mean training loss, seconds spent training and evaluating, the test metrics, and the resident memory at its end. */
    public record EpochResult(int epoch, double meanLoss, double trainSeconds, double evalSeconds,
            Map<String, Double> metrics, double residentMiB) {}

    private final Lessr model;
    private final NDManager manager;
    private final AugmentedDataset trainSet;
    private final AugmentedDataset testSet;
    private final Options options;
    private final PrintStream out;
    private final AdamW optimizer;
    private final ParameterStore parameterStore;
    private final EarlyStopping stopping;
    private final List<EpochResult> history = new ArrayList<>();
    private Listener listener = new Listener() {};
    private final String datasetDir;
    private final Double validSplit;
    private int batch;
    private double logLoss; // the walkthrough's mean_loss: summed loss / log_interval since the last print
    private int startEpoch;
    private boolean stopped;

    public TrainRunner(Lessr model, NDManager manager, AugmentedDataset trainSet, AugmentedDataset testSet,
            Options options, PrintStream out) {
        this(model, manager, trainSet, testSet, options, out, null, null);
    }

    /** {@code datasetDir} and {@code validSplit} are recorded in checkpoints, so that a resumed run finds its data. */
    public TrainRunner(Lessr model, NDManager manager, AugmentedDataset trainSet, AugmentedDataset testSet,
            Options options, PrintStream out, String datasetDir, Double validSplit) {
        if (trainSet.size() < options.batchSize()) {
            throw new IllegalArgumentException("the training set has " + trainSet.size()
                    + " samples, fewer than one batch of " + options.batchSize() + " (the last short batch is dropped)");
        }
        this.model = model;
        this.manager = manager;
        this.trainSet = trainSet;
        this.testSet = testSet;
        this.options = options;
        this.out = out;
        // The walkthrough uses plain Adam when weight decay is 0: AdamW with no decay is the same.
        this.optimizer = new AdamW(TorchNames.of(model), TorchNames::decays, options.lr(), options.weightDecay());
        this.parameterStore = new ParameterStore(manager, false);
        this.stopping = new EarlyStopping(options.patience());
        this.datasetDir = datasetDir;
        this.validSplit = validSplit;
    }

    /** Continues from a checkpoint written by a run with the same model configuration and settings. */
    public TrainRunner restore(Path checkpoint) {
        Checkpoint.State state = Checkpoint.readState(checkpoint);
        Checkpoint.readOptimizer(checkpoint, optimizer);
        batch = state.batch();
        logLoss = state.logLoss();
        startEpoch = state.epoch() + 1;
        stopped = state.stopped();
        history.addAll(state.history());
        stopping.restore(state.best(), state.bestEpochs(), state.badEpochs());
        println("resuming after epoch " + state.epoch() + " from " + checkpoint);
        return this;
    }

    /** Trains until {@code epochs} or early stopping; returns the best value of each metric. */
    public Map<String, Double> train() {
        EngineSettings.noGradOnThisThread(); // gradients are recorded only inside each step's collector
        long t = System.nanoTime();
        try (Collator collator = new Collator(options.numWorkers())) {
            for (int epoch = startEpoch; epoch < options.epochs() && !stopped; epoch++) {
                long epochStart = System.nanoTime();
                // Each epoch's randomness depends only on (seed, epoch): a resumed run repeats it exactly.
                long epochSeed = options.seed() * 1_000_003L + epoch;
                Engine.getInstance().setRandomSeed((int) (epochSeed ^ (epochSeed >>> 32)));
                double epochLoss = 0;
                int batchInEpoch = 1;
                int numBatches = Collator.numBatches(trainSet.size(), options.batchSize(), true);
                Iterator<GraphBatch> batches = collator.batches(
                        trainSet, permutation(new Random(epochSeed)), options.batchSize(), true);
                try (ProgressBar bar = progressBar("Epoch " + epoch, numBatches)) {
                    while (batches.hasNext()) {
                        if (Thread.currentThread().isInterrupted()) {
                            // A notebook's interrupt: stop between batches, leaving the model usable.
                            throw new java.util.concurrent.CancellationException("training interrupted at batch " + batch);
                        }
                        float loss = trainStep(batches.next());
                        epochLoss += loss;
                        logLoss += loss / options.logInterval();
                        if (batch > 0 && batch % options.logInterval() == 0) {
                            println(String.format("Batch %d: Loss = %.4f, Time Elapsed = %.2fs",
                                    batch, logLoss, (System.nanoTime() - t) / 1e9));
                            t = System.nanoTime();
                            logLoss = 0;
                        }
                        batch++;
                        if (bar != null) {
                            bar.step();
                        }
                        listener.onBatch(epoch, batchInEpoch++, numBatches, loss);
                    }
                }
                double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
                long evalStart = System.nanoTime();
                Map<String, Double> results = evaluate(collator);
                double evalSeconds = (System.nanoTime() - evalStart) / 1e9;
                EpochResult epochResult = new EpochResult(
                        epoch, epochLoss / numBatches, trainSeconds, evalSeconds, results, Memory.residentMiB());
                history.add(epochResult);
                listener.onEpoch(epochResult);
                println("\nEpoch " + epoch + ":");
                println(formatResults(results, null));
                stopped = stopping.update(epoch, results);
                if (options.checkpointDir() != null) {
                    Checkpoint.write(Path.of(options.checkpointDir()), model, optimizer, new Checkpoint.State(
                            epoch, batch, logLoss, stopped, stopping.best(), stopping.bestEpochs(), stopping.badEpochs(),
                            history, options, datasetDir, validSplit));
                }
            }
        }
        println("\nBest results");
        println(formatResults(stopping.best(), stopping.bestEpochs()));
        return stopping.best();
    }

    private float trainStep(GraphBatch batch) {
        try (NDManager scope = manager.newSubManager()) {
            NDList graph = batch.toNDList(scope);
            float loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray lossArray = Losses.crossEntropy(model, parameterStore,
                        model.sessionRepresentations(parameterStore, graph, true), batch.labels(scope), true);
                collector.backward(lossArray);
                loss = lossArray.getFloat();
            }
            if (!Float.isFinite(loss)) {
                throw new TrainingDivergedException("the loss became " + loss + " at batch " + this.batch
                        + "; try a smaller --lr");
            }
            optimizer.step();
            return loss;
        }
    }

    /** HR, MRR and NDCG at every K of the options on the test set, in eval mode. */
    public Map<String, Double> evaluate() {
        try (Collator collator = new Collator(options.numWorkers())) {
            return evaluate(collator);
        }
    }

    private Map<String, Double> evaluate(Collator collator) {
        EngineSettings.noGradOnThisThread();
        Metrics metrics = new Metrics(options.ks());
        Iterator<GraphBatch> batches = collator.batches(testSet, Collator.inOrder(testSet.size()), options.batchSize(), false);
        while (batches.hasNext()) {
            GraphBatch batch = batches.next();
            try (NDManager scope = manager.newSubManager()) {
                NDArray labels = batch.labels(scope);
                NDArray sr = model.sessionRepresentations(parameterStore, batch.toNDList(scope), false);
                for (long[] ranks : model.scoresInBlocks(parameterStore, sr, false,
                        (logits, from) -> ranks(logits, Losses.rows(labels, from, logits)))) {
                    metrics.add(ranks);
                }
            }
        }
        return metrics.results();
    }

    /** 1 + the number of items scored strictly above each label. */
    public static long[] ranks(NDArray logits, NDArray labels) {
        NDArray labelScores = Losses.atLabels(logits, labels).expandDims(1);
        if (labelScores.isNaN().any().getBoolean()) {
            throw new TrainingDivergedException("the model produced NaN scores");
        }
        return logits.gt(labelScores).sum(new int[] {1}).toType(DataType.INT64, false).add(1).toLongArray();
    }

    private int[] permutation(Random shuffle) {
        int[] order = Collator.inOrder(trainSet.size());
        for (int i = order.length - 1; i > 0; i--) {
            int j = shuffle.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        return order;
    }

    private ProgressBar progressBar(String task, int max) {
        if (!options.progressBar()) {
            return null;
        }
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).continuousUpdate().build();
    }

    private void println(String line) {
        out.println(line);
        out.flush();
    }

    /**
     * The walkthrough's {@code print_results}: tab-separated {@code Metric}, {@code Value} (percent,
     * two decimals) and, when given, {@code Epoch} rows.
     */
    public static String formatResults(Map<String, Double> results, Map<String, Integer> epochs) {
        StringBuilder sb = new StringBuilder("Metric");
        results.keySet().forEach(k -> sb.append('\t').append(k));
        sb.append("\nValue");
        results.values().forEach(v -> sb.append('\t').append(String.format("%.2f", v * 100)));
        if (epochs != null) {
            sb.append("\nEpoch");
            results.keySet().forEach(k -> sb.append('\t').append(epochs.get(k)));
        }
        return sb.toString();
    }

    public List<EpochResult> history() {
        return List.copyOf(history);
    }

    public Map<String, Integer> bestEpochs() {
        return new LinkedHashMap<>(stopping.bestEpochs());
    }

    public Map<String, Double> best() {
        return new LinkedHashMap<>(stopping.best());
    }
}

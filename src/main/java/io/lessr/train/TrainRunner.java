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
import io.lessr.graph.GraphBatch;
import io.lessr.model.EngineSettings;
import io.lessr.model.Lessr;
import io.lessr.model.SavedModel;
import io.lessr.model.TorchNames;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import java.util.concurrent.CancellationException;

/**
 * The walkthrough's {@code TrainRunner}: AdamW with the weight-decay groups of {@code
 * fix_weight_decay}, cross-entropy, the mean loss printed every {@code logInterval} batches, an
 * evaluation after every epoch, and early stopping; prints each epoch's and the best results in the
 * walkthrough's layout.
 */
public final class TrainRunner {

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

    private final Lessr model;
    private final NDManager manager;
    private final AugmentedDataset trainSet;
    private final AugmentedDataset testSet;
    private final RunSpec spec;
    private final PrintStream out;
    private final AdamW optimizer;
    private final ParameterStore parameterStore;
    private final EarlyStopping stopping;
    private final List<EpochResult> history = new ArrayList<>();
    private Listener listener = new Listener() {};
    private EpochBatches callerBatches;
    private boolean progressBar;
    private int laneThreads;
    private Path checkpointDir;
    private Path bestModelDir;
    private String bestMetric;
    private int batch;
    private double logLoss; // the walkthrough's mean_loss: summed loss / log_interval since the last print
    private int startEpoch;
    private boolean stopped;

    public TrainRunner(Lessr model, NDManager manager, AugmentedDataset trainSet, AugmentedDataset testSet,
            RunSpec spec, PrintStream out) {
        if (trainSet.size() < spec.batchSize()) {
            throw new IllegalArgumentException("the training set has " + trainSet.size()
                    + " samples, fewer than one batch of " + spec.batchSize() + " (the last short batch is dropped)");
        }
        this.model = model;
        this.manager = manager;
        this.trainSet = trainSet;
        this.testSet = testSet;
        this.spec = spec;
        this.out = out;
        // The walkthrough uses plain Adam when weight decay is 0: AdamW with no decay is the same.
        this.optimizer = new AdamW(TorchNames.of(model), TorchNames::decays, spec.lr(), spec.weightDecay());
        this.parameterStore = new ParameterStore(manager, false);
        this.stopping = new EarlyStopping(spec.patience());
    }

    /**
     * Threads for the lanes of each step (1 or {@link Lanes#COUNT}; default one per core up to that, one
     * on a GPU). The results are the same bits whatever the number.
     */
    public TrainRunner laneThreads(int threads) {
        this.laneThreads = Lanes.checkThreads(threads);
        return this;
    }

    private Lanes lanes() {
        return laneThreads > 0 ? new Lanes(laneThreads) : Lanes.forDevice(manager.getDevice());
    }

    /** Shows a progress bar on the terminal (stderr) for each epoch. */
    public TrainRunner progressBar(boolean show) {
        this.progressBar = show;
        return this;
    }

    /**
     * Trains and evaluates on {@code batches} (whose first epoch may already be under way, {@link
     * EpochBatches#start}) instead of batches of its own; they must be of this runner's datasets and
     * settings. The caller closes them.
     */
    public TrainRunner batches(EpochBatches batches) {
        if (!batches.isFor(trainSet, testSet, spec)) {
            throw new IllegalArgumentException("the batches were made for other datasets or settings than this run's");
        }
        this.callerBatches = batches;
        return this;
    }

    /** Writes a checkpoint after every epoch into {@code dir} (and keeps the model of the best epoch there). */
    public TrainRunner checkpointsTo(Path dir) {
        this.checkpointDir = dir;
        return this;
    }

    /**
     * Keeps the model of the epoch with the best {@code metric} (e.g. {@code HR@20}) in {@code dir} (null: in
     * the checkpoints only), written whenever an epoch beats the best so far; its {@code model.json} records
     * the epoch and its metrics.
     */
    public TrainRunner saveBestTo(Path dir, String metric) {
        Metrics.checkName(metric, spec.ks());
        this.bestModelDir = dir;
        this.bestMetric = metric;
        return this;
    }

    /** Continues from a checkpoint written by a run with the same model configuration and settings. */
    public TrainRunner restore(Checkpoint.Loaded checkpoint) {
        Checkpoint.readOptimizer(checkpoint.dir(), optimizer);
        TrainState state = checkpoint.state();
        batch = state.batch();
        logLoss = state.logLoss();
        startEpoch = state.epoch() + 1;
        stopped = state.stopped();
        history.addAll(state.history());
        stopping.restore(state.best(), state.bestEpochs(), state.badEpochs());
        println("resuming after epoch " + state.epoch() + " from " + checkpoint.dir());
        return this;
    }

    /** Trains until {@code epochs} or early stopping; returns the best value of each metric. */
    public Map<String, Double> train() {
        EngineSettings.noGradOnThisThread(); // gradients are recorded only inside each step's collector
        long t = System.nanoTime();
        try (EpochBatches own = callerBatches == null ? new EpochBatches(trainSet, testSet, spec) : null; Lanes lanes = lanes()) {
            EpochBatches epochBatches = own != null ? own : callerBatches;
            for (int epoch = startEpoch; epoch < spec.epochs() && !stopped; epoch++) {
                long epochStart = System.nanoTime();
                long epochSeed = spec.epochSeed(epoch); // dropout's, as the shuffle's
                Engine.getInstance().setRandomSeed((int) (epochSeed ^ (epochSeed >>> 32)));
                double epochLoss = 0;
                int batchInEpoch = 1;
                int numBatches = epochBatches.trainBatches();
                Iterator<GraphBatch> batches = epochBatches.train(epoch);
                try (ProgressBar bar = progressBar("Epoch " + epoch, numBatches)) {
                    while (batches.hasNext()) {
                        // A notebook's interrupt: stop between batches, leaving the model usable, whether
                        // it comes before the next batch is asked for or while waiting for its graphs.
                        if (Thread.currentThread().isInterrupted()) {
                            throw interruptedAt(batch);
                        }
                        GraphBatch next;
                        try {
                            next = batches.next();
                        } catch (CancellationException e) {
                            throw interruptedAt(batch);
                        }
                        float loss = trainStep(next, lanes);
                        epochLoss += loss;
                        logLoss += loss / spec.logInterval();
                        if (batch > 0 && batch % spec.logInterval() == 0) {
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
                Map<String, Double> results = evaluate(epochBatches, lanes);
                double evalSeconds = (System.nanoTime() - evalStart) / 1e9;
                EpochResult epochResult = new EpochResult(
                        epoch, epochLoss / numBatches, trainSeconds, evalSeconds, results, Memory.residentMiB());
                history.add(epochResult);
                listener.onEpoch(epochResult);
                println("\nEpoch " + epoch + ":");
                println(formatResults(results, null));
                stopped = stopping.update(epoch, results);
                boolean best = bestMetric != null && stopping.bestEpochs().get(bestMetric) == epoch
                        && results.get(bestMetric) > 0;
                Map<String, Object> bestInfo = best ? bestInfo(epochResult) : null;
                if (best && bestModelDir != null) {
                    SavedModel.write(model, bestModelDir, bestInfo);
                }
                if (checkpointDir != null) {
                    Checkpoint.write(checkpointDir, model, optimizer, spec, new TrainState(epoch, batch, logLoss, stopped,
                            stopping.best(), stopping.bestEpochs(), stopping.badEpochs(), history),
                            bestInfo);
                }
            }
        }
        println("\nBest results");
        println(formatResults(stopping.best(), stopping.bestEpochs()));
        return stopping.best();
    }

    private static CancellationException interruptedAt(int batch) {
        return new CancellationException("training interrupted at batch " + batch);
    }

    private float trainStep(GraphBatch batch, Lanes lanes) {
        LaneTimes.stepStarted();
        try (NDManager scope = manager.newSubManager()) {
            float loss = lossAndGradients(model, batch, scope, lanes);
            if (!Float.isFinite(loss)) {
                throw new TrainingDivergedException("the loss became " + loss + " at batch " + this.batch
                        + "; try a smaller learning rate (lr " + spec.lr() + ")");
            }
            optimizer.step(lanes);
            return loss;
        } finally {
            LaneTimes.stepEnded();
        }
    }

    /**
     * A training step's forward and backward pass: returns the batch's mean cross-entropy and adds its
     * gradient to every parameter's. On the CPU the batch's sessions are split between the lanes
     * ({@link SplitPass}); on a GPU, whose kernels queue on one stream, the batch runs as one.
     */
    public static float lossAndGradients(Lessr model, GraphBatch batch, NDManager scope, Lanes lanes) {
        if (!scope.getDevice().isGpu() && SplitPass.splits(batch.size())) {
            return SplitPass.step(model, batch, scope, lanes);
        }
        return wholeBatchLossAndGradients(model, batch, scope, lanes);
    }

    /** {@link #lossAndGradients} with the batch as one, whatever the device. */
    static float wholeBatchLossAndGradients(Lessr model, GraphBatch batch, NDManager scope, Lanes lanes) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray sr = model.sessionRepresentations(new ParameterStore(scope, false), batch.toNDList(scope), true);
            return BlockScoring.backward(model, sr, batch.labels(scope), lanes);
        }
    }

    /** What a best model's {@code model.json} records. */
    private Map<String, Object> bestInfo(EpochResult r) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("selectedBy", bestMetric);
        info.put("epoch", r.epoch());
        info.put("metrics", r.metrics());
        info.put("dataset", spec.datasetDir());
        return info;
    }

    /** HR, MRR and NDCG at every K of the run on the test set, in eval mode. */
    public Map<String, Double> evaluate() {
        try (EpochBatches own = callerBatches == null ? new EpochBatches(trainSet, testSet, spec) : null; Lanes lanes = lanes()) {
            return evaluate(own != null ? own : callerBatches, lanes);
        }
    }

    private Map<String, Double> evaluate(EpochBatches epochBatches, Lanes lanes) {
        EngineSettings.noGradOnThisThread();
        Metrics metrics = new Metrics(spec.ks());
        Iterator<GraphBatch> batches = epochBatches.test();
        while (batches.hasNext()) {
            GraphBatch batch = batches.next();
            try (NDManager scope = manager.newSubManager()) {
                for (long[] ranks : testRanks(model, parameterStore, batch, scope, lanes)) {
                    metrics.add(ranks);
                }
            }
        }
        return metrics.results();
    }

    /**
     * A test batch's ranks in session order, a block's per array. In eval mode no operation mixes
     * sessions (batch norm takes its running statistics), so when the lanes' parts of the batch are
     * whole blocks of the scoring, each lane runs the forward pass on its own sessions and ranks them;
     * otherwise lane 0 runs it on the whole batch and the lanes share out the ranking.
     */
    static List<long[]> testRanks(Lessr model, ParameterStore parameterStore, GraphBatch batch, NDManager scope, Lanes lanes) {
        model.renormalizeEmbedding(); // once, before the lanes read the embedding
        if (!scope.getDevice().isGpu() && SplitPass.splits(batch.size())) {
            List<GraphBatch> parts = batch.parts(Lanes.COUNT);
            if (BlockScoring.lanesAligned(model, SplitPass.sizes(parts))) {
                List<long[]> ranks = new ArrayList<>();
                for (List<long[]> lane : lanes.run(lane -> {
                    try (NDManager laneScope = scope.newSubManager()) { // closed on the lane, tensor by tensor
                        GraphBatch part = parts.get(lane);
                        NDArray sr = model.predictRepresentations(new ParameterStore(laneScope, false), part.toNDList(laneScope));
                        return BlockScoring.laneRanks(model, sr, part.labels(laneScope));
                    }
                })) {
                    ranks.addAll(lane);
                }
                return ranks;
            }
        }
        NDArray sr = model.predictRepresentations(parameterStore, batch.toNDList(scope));
        return BlockScoring.ranks(model, sr, batch.labels(scope), lanes);
    }

    /** 1 + the number of items scored strictly above each label. */
    public static long[] ranks(NDArray logits, NDArray labels) {
        NDArray labelScores = Losses.atLabels(logits, labels).expandDims(1);
        if (labelScores.isNaN().any().getBoolean()) {
            throw new TrainingDivergedException("the model produced NaN scores");
        }
        return logits.gt(labelScores).sum(new int[] {1}).toType(DataType.INT64, false).add(1).toLongArray();
    }

    private ProgressBar progressBar(String task, int max) {
        if (!progressBar) {
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

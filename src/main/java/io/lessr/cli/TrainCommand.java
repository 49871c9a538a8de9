package io.lessr.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.lessr.data.AugmentedDataset;
import io.lessr.data.SessionDataset;
import io.lessr.model.Lessr;
import io.lessr.model.SavedModel;
import io.lessr.train.Checkpoint;
import io.lessr.train.EpochBatches;
import io.lessr.train.RunSpec;
import io.lessr.plot.MetricsTable;
import io.lessr.train.TrainRunner;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import io.lessr.train.Metrics;
import java.util.Collections;
import java.util.Map;
import java.util.Set;

/** The walkthrough's {@code main.py}: read a dataset, train LESSR, report HR/MRR/NDCG. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        defaultValueProvider = RunSpecOptions.Defaults.class,
        description = "Train LESSR on a dataset folder and report HR, MRR and NDCG at each K.")
final class TrainCommand implements Callable<Integer> {
    static final String EMBEDDED = "data/synthetic";

    @Mixin
    RunSpecOptions run;

    @Mixin
    DeviceOption device;

    @Option(names = "--metrics-out", description = "write the per-epoch table as CSV to this file")
    Path metricsOut;

    @Option(names = "--save-dir", description = "save the model of the best epoch (by --save-metric) to this folder")
    Path saveDir;

    @Option(names = "--save-metric", description = "the metric that picks the best epoch "
            + "(default: HR at the largest K, HR@20 with the walkthrough's Ks, its headline)")
    String saveMetric;

    @Option(names = "--save-last", description = "also save the last epoch's model to this folder")
    Path saveLast;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--checkpoint-dir", description = "write a checkpoint after every epoch into this folder (the last two are kept)")
    Path checkpointDir;

    @Option(names = "--resume", paramLabel = "DIR", description = "continue the run whose checkpoints are in DIR, "
            + "writing its next checkpoints there (its settings and dataset are reused; --epochs, --num-workers, "
            + "--threads, --log-interval, --device, --metrics-out, --save-dir, --save-metric and --save-last may be given)")
    Path resume;

    @Spec
    CommandSpec spec;

    private static final Set<String> RESUMABLE = Set.of("--resume", "--epochs", "--num-workers", "--threads",
            "--log-interval", "--device", "--metrics-out", "--save-dir", "--save-metric", "--save-last");

    @Override
    public Integer call() throws IOException {
        ParseResult parsed = spec.commandLine().getParseResult();
        Checkpoint.Loaded checkpoint = null;
        RunSpec runSpec;
        if (resume != null) {
            for (var option : parsed.matchedOptions()) {
                if (!RESUMABLE.contains(option.longestName())) {
                    throw new IllegalArgumentException(option.longestName()
                            + " cannot change when resuming: the run keeps the settings it started with");
                }
            }
            checkpoint = Checkpoint.latest(resume, System.out);
            runSpec = run.applyTo(checkpoint.spec(), parsed);
        } else {
            runSpec = run.applyTo(RunSpec.walkthrough(), parsed);
            if (runSpec.datasetDir() == null) {
                runSpec = runSpec.toBuilder().datasetDir(embeddedDataset().toString()).build();
            }
        }
        String bestBy = saveMetric != null ? saveMetric : "HR@" + Collections.max(runSpec.ks());
        Metrics.checkName(bestBy, runSpec.ks());
        device.check(); // a bad device name fails before any work
        Path dir = Path.of(runSpec.datasetDir());
        System.out.println("reading dataset " + dir);
        SessionDataset dataset = SessionDataset.read(dir);
        if (runSpec.validSplit() != null) {
            dataset = dataset.withValidSplit(runSpec.validSplit());
        }
        AugmentedDataset trainSet = new AugmentedDataset(dataset.trainSessions());
        AugmentedDataset testSet = new AugmentedDataset(dataset.testSessions());
        System.out.printf("%d items, %d training and %d test samples%n",
                dataset.numItems(), trainSet.size(), testSet.size());
        int firstEpoch = checkpoint == null ? 0 : checkpoint.state().epoch() + 1;
        // The first epoch's graphs are built while the engine loads (EpochBatches says why).
        try (EpochBatches batches = new EpochBatches(trainSet, testSet, runSpec).start(firstEpoch);
                NDManager manager = NDManager.newBaseManager(device.device())) {
            Device dev = manager.getDevice();
            Lessr model;
            if (checkpoint != null) {
                model = SavedModel.load(checkpoint.dir(), manager);
                if (model.config().numItems() != dataset.numItems()) {
                    throw new IllegalArgumentException(checkpoint.dir() + " was trained on " + model.config().numItems()
                            + " items but " + dir + " has " + dataset.numItems());
                }
            } else {
                model = Lessr.create(runSpec.config(dataset.numItems()), manager, runSpec.seed());
            }
            System.out.println(model.config() + " on " + dev);
            System.out.println("start training");
            Path checkpoints = resume != null ? resume : checkpointDir;
            TrainRunner runner = new TrainRunner(model, manager, trainSet, testSet, runSpec, System.out)
                    .batches(batches)
                    .progressBar(System.console() != null)
                    .checkpointsTo(checkpoints)
                    .saveBestTo(saveDir, bestBy);
            threads.applyTo(runner);
            if (checkpoint != null) {
                runner.restore(checkpoint);
            }
            runner.train();
            if (metricsOut != null) {
                Path parent = metricsOut.toAbsolutePath().getParent();
                Files.createDirectories(parent);
                MetricsTable.of(runner.history()).write().csv(metricsOut.toFile());
                System.out.println("wrote " + metricsOut);
            }
            if (saveDir != null) {
                int bestEpoch = runner.bestEpochs().get(bestBy);
                if (savedEpoch(saveDir) != bestEpoch) { // the best epoch came before a resume: its model is in the checkpoints
                    Path kept = checkpoints == null ? null : checkpoints.resolve(Checkpoint.BEST_MODEL_DIR);
                    if (kept == null || savedEpoch(kept) != bestEpoch) {
                        throw new IllegalArgumentException("the model of the best epoch (" + bestEpoch + " by " + bestBy
                                + ") was not kept: it came before this run resumed and the checkpoints do not hold it");
                    }
                    SavedModel.write(SavedModel.load(kept, manager), saveDir, SavedModel.info(kept).asMap());
                }
                System.out.println("saved the model of epoch " + bestEpoch + " (best " + bestBy + ") to " + saveDir);
            }
            if (saveLast != null) {
                SavedModel.write(model, saveLast, Map.of("dataset", runSpec.datasetDir(),
                        "epoch", runner.history().get(runner.history().size() - 1).epoch(),
                        "metrics", runner.history().get(runner.history().size() - 1).metrics()));
                System.out.println("saved the last epoch's model to " + saveLast);
            }
        }
        return 0;
    }

    /** The epoch a saved model folder records, or -1. */
    private static int savedEpoch(Path dir) {
        if (!Files.isRegularFile(dir.resolve(SavedModel.META_FILE))) {
            return -1;
        }
        var info = SavedModel.info(dir);
        return info.has("epoch") ? info.get("epoch").getAsInt() : -1;
    }

    /** {@code data/synthetic} in the working directory, else the copy inside the jar. */
    static Path embeddedDataset() throws IOException {
        Path local = Path.of(EMBEDDED);
        if (Files.isDirectory(local)) {
            return local;
        }
        Path tmp = Files.createTempDirectory("lessr-synthetic");
        for (String name : Arrays.asList(SessionDataset.NUM_ITEMS_FILE, SessionDataset.TRAIN_FILE, SessionDataset.TEST_FILE)) {
            try (InputStream in = TrainCommand.class.getResourceAsStream("/lessr/" + EMBEDDED + "/" + name)) {
                if (in == null) {
                    throw new IllegalArgumentException("the embedded dataset is missing from the jar; pass --dataset-dir");
                }
                Files.copy(in, tmp.resolve(name));
            }
        }
        return tmp;
    }
}

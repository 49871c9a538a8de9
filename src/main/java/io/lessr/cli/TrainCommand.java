package io.lessr.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.lessr.data.AugmentedDataset;
import io.lessr.data.SessionDataset;
import io.lessr.model.Lessr;
import io.lessr.model.LessrConfig;
import io.lessr.model.EngineSettings;
import io.lessr.model.SavedModel;
import io.lessr.model.TorchInit;
import io.lessr.train.Checkpoint;
import io.lessr.plot.MetricsTable;
import io.lessr.train.TrainRunner;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The walkthrough's {@code main.py}: read a dataset, train LESSR, report HR/MRR/NDCG. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train LESSR on a dataset folder and report HR, MRR and NDCG at each K.")
final class TrainCommand implements Callable<Integer> {
    static final String EMBEDDED = "data/synthetic";

    @Option(names = "--dataset-dir", description = "the dataset directory (default: the embedded " + EMBEDDED + ")")
    Path datasetDir;

    @Option(names = "--embedding-dim", defaultValue = "32", description = "the embedding size (default: ${DEFAULT-VALUE})")
    int embeddingDim;

    @Option(names = "--num-layers", defaultValue = "3", description = "the number of layers (default: ${DEFAULT-VALUE})")
    int numLayers;

    @Option(names = "--feat-drop", defaultValue = "0.2", description = "the dropout ratio for features (default: ${DEFAULT-VALUE})")
    double featDrop;

    @Option(names = "--lr", defaultValue = "1e-3", description = "the learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--batch-size", defaultValue = "512", description = "the batch size (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--epochs", defaultValue = "30", description = "the number of training epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--weight-decay", defaultValue = "1e-4", description = "AdamW's decoupled weight decay (default: ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--Ks", defaultValue = "10,20", split = ",", description = "the cut-offs K of the metrics (default: ${DEFAULT-VALUE})")
    List<Integer> ks;

    @Option(names = "--patience", defaultValue = "2", description = "epochs without improvement before stopping (default: ${DEFAULT-VALUE})")
    int patience;

    @Option(names = "--num-workers", defaultValue = "4", description = "threads that build the input graphs (default: ${DEFAULT-VALUE})")
    int numWorkers;

    @Option(names = "--valid-split", description = "train on the first part of train.txt and test on this last fraction of it")
    Double validSplit;

    @Option(names = "--log-interval", defaultValue = "100", description = "print the mean loss every this many batches (default: ${DEFAULT-VALUE})")
    int logInterval;

    @Option(names = "--seed", defaultValue = "0", description = "seed for initial weights, shuffling and dropout (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, gpu or gpu:N (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--metrics-out", description = "write the per-epoch table as CSV to this file")
    Path metricsOut;

    @Option(names = "--save-dir", description = "save the trained model (after the last epoch) to this folder")
    Path saveDir;

    @Option(names = "--checkpoint-dir", description = "write a checkpoint after every epoch into this folder")
    Path checkpointDir;

    @Option(names = "--resume", paramLabel = "DIR", description = "continue the run whose checkpoints are in DIR "
            + "(its settings and dataset are reused; --epochs, --num-workers, --log-interval, --device, "
            + "--metrics-out and --save-dir may be given)")
    Path resume;

    @Spec
    CommandSpec spec;

    private static final java.util.Set<String> RESUMABLE = java.util.Set.of("--resume", "--epochs", "--num-workers",
            "--log-interval", "--device", "--metrics-out", "--save-dir");

    @Override
    public Integer call() throws IOException {
        Path checkpoint = null;
        Checkpoint.State resumed = null;
        if (resume != null) {
            checkpoint = Checkpoint.latest(resume).orElseThrow(
                    () -> new IllegalArgumentException("no checkpoint (epoch-NNNN folder) in " + resume));
            resumed = Checkpoint.readState(checkpoint);
            for (var option : spec.commandLine().getParseResult().matchedOptions()) {
                if (!RESUMABLE.contains(option.longestName())) {
                    throw new IllegalArgumentException(option.longestName()
                            + " cannot change when resuming: the run keeps the settings it started with");
                }
            }
        }
        Path dir = resumed != null ? Path.of(resumed.datasetDir())
                : datasetDir != null ? datasetDir : embeddedDataset();
        System.out.println("reading dataset " + dir);
        SessionDataset dataset = SessionDataset.read(dir);
        Double split = resumed != null ? resumed.validSplit() : validSplit;
        if (split != null) {
            dataset = dataset.withValidSplit(split);
        }
        AugmentedDataset trainSet = new AugmentedDataset(dataset.trainSessions());
        AugmentedDataset testSet = new AugmentedDataset(dataset.testSessions());
        System.out.printf("%d items, %d training and %d test samples%n",
                dataset.numItems(), trainSet.size(), testSet.size());
        Device dev = EngineSettings.device(device);
        boolean terminal = System.console() != null;
        TrainRunner.Options options = resumed != null
                ? resumed.options().withRunSettings(epochs(resumed), numWorkers, logInterval, terminal)
                : new TrainRunner.Options(lr, weightDecay, batchSize, epochs, ks, patience, numWorkers, logInterval,
                        seed, terminal, checkpointDir == null ? null : checkpointDir.toString());
        try (NDManager manager = NDManager.newBaseManager(dev)) {
            Lessr model;
            if (checkpoint != null) {
                model = SavedModel.load(checkpoint, manager);
                if (model.config().numItems() != dataset.numItems()) {
                    throw new IllegalArgumentException(checkpoint + " was trained on " + model.config().numItems()
                            + " items but " + dir + " has " + dataset.numItems());
                }
            } else {
                model = new Lessr(new LessrConfig(dataset.numItems(), embeddingDim, numLayers, featDrop, true))
                        .initialize(manager);
                TorchInit.apply(model, seed);
            }
            System.out.println(model.config() + " on " + dev);
            System.out.println("start training");
            TrainRunner runner = new TrainRunner(model, manager, trainSet, testSet, options, System.out,
                    dir.toAbsolutePath().toString(), split);
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
                SavedModel.write(model, saveDir, java.util.Map.of(
                        "dataset", dir.toAbsolutePath().toString(),
                        "epochs", runner.history().size(),
                        "best", runner.best(),
                        "bestEpochs", runner.bestEpochs()));
                System.out.println("saved the model to " + saveDir);
            }
        }
        return 0;
    }

    private int epochs(Checkpoint.State resumed) {
        return spec.commandLine().getParseResult().hasMatchedOption("--epochs") ? epochs : resumed.options().epochs();
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

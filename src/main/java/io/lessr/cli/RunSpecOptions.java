package io.lessr.cli;

import io.lessr.train.RunSpec;

import java.util.List;
import java.util.Map;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * The walkthrough's {@code main.py} arguments as picocli options, filling a {@link RunSpec}: defaults
 * come from {@link RunSpec#walkthrough()} (shown in {@code --help}), and a setting the spec refuses is
 * reported under its flag.
 */
final class RunSpecOptions {
    @Option(names = "--dataset-dir", description = "the dataset directory (default: the embedded " + TrainCommand.EMBEDDED + ")")
    String datasetDir;

    @Option(names = "--valid-split", description = "train on the first part of train.txt and test on this last fraction of it")
    Double validSplit;

    @Option(names = "--embedding-dim", description = "the embedding size (default: ${DEFAULT-VALUE})")
    int embeddingDim;

    @Option(names = "--num-layers", description = "the number of layers (default: ${DEFAULT-VALUE})")
    int numLayers;

    @Option(names = "--feat-drop", description = "the dropout ratio for features (default: ${DEFAULT-VALUE})")
    double featDrop;

    @Option(names = "--lr", description = "the learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--batch-size", description = "the batch size (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--epochs", description = "the number of training epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--weight-decay", description = "AdamW's decoupled weight decay (default: ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--Ks", split = ",", description = "the cut-offs K of the metrics (default: ${DEFAULT-VALUE})")
    List<Integer> ks;

    @Option(names = "--patience", description = "epochs without improvement before stopping (default: ${DEFAULT-VALUE})")
    int patience;

    @Option(names = "--num-workers", description = "threads that build the input graphs (default: ${DEFAULT-VALUE})")
    int numWorkers;

    @Option(names = "--log-interval", description = "print the mean loss every this many batches (default: ${DEFAULT-VALUE})")
    int logInterval;

    @Option(names = "--seed", description = "seed for initial weights, shuffling and dropout (default: ${DEFAULT-VALUE})")
    long seed;

    /** Each setting's flag, for messages in the command line's words. */
    static final Map<String, String> FLAGS = Map.ofEntries(Map.entry("validSplit", "--valid-split"),
            Map.entry("embeddingDim", "--embedding-dim"), Map.entry("numLayers", "--num-layers"),
            Map.entry("featDrop", "--feat-drop"), Map.entry("lr", "--lr"), Map.entry("batchSize", "--batch-size"),
            Map.entry("epochs", "--epochs"), Map.entry("weightDecay", "--weight-decay"), Map.entry("Ks", "--Ks"),
            Map.entry("patience", "--patience"), Map.entry("numWorkers", "--num-workers"),
            Map.entry("logInterval", "--log-interval"));

    /** {@code base} with the options given on the command line applied; a refused setting is named by its flag. */
    RunSpec applyTo(RunSpec base, ParseResult parsed) {
        RunSpec.Builder b = base.toBuilder();
        if (given(parsed, "--dataset-dir")) b.datasetDir(datasetDir);
        if (given(parsed, "--valid-split")) b.validSplit(validSplit);
        if (given(parsed, "--embedding-dim")) b.embeddingDim(embeddingDim);
        if (given(parsed, "--num-layers")) b.numLayers(numLayers);
        if (given(parsed, "--feat-drop")) b.featDrop(featDrop);
        if (given(parsed, "--lr")) b.lr(lr);
        if (given(parsed, "--batch-size")) b.batchSize(batchSize);
        if (given(parsed, "--epochs")) b.epochs(epochs);
        if (given(parsed, "--weight-decay")) b.weightDecay(weightDecay);
        if (given(parsed, "--Ks")) b.ks(ks);
        if (given(parsed, "--patience")) b.patience(patience);
        if (given(parsed, "--num-workers")) b.numWorkers(numWorkers);
        if (given(parsed, "--log-interval")) b.logInterval(logInterval);
        if (given(parsed, "--seed")) b.seed(seed);
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(inFlags(e.getMessage()), e);
        }
    }

    /** "epochs must be at least 1, got 0" as "--epochs must be at least 1, got 0". */
    static String inFlags(String message) {
        String setting = message.split(" ", 2)[0];
        return FLAGS.containsKey(setting) ? FLAGS.get(setting) + message.substring(setting.length()) : message;
    }

    private static boolean given(ParseResult parsed, String name) {
        return parsed.hasMatchedOption(name);
    }

    /** Shows {@link RunSpec#walkthrough()}'s values as the options' defaults in {@code --help}. */
    static final class Defaults implements IDefaultValueProvider {
        private static final RunSpec W = RunSpec.walkthrough();
        private static final Map<String, Object> VALUES = Map.ofEntries(Map.entry("--embedding-dim", W.embeddingDim()),
                Map.entry("--num-layers", W.numLayers()), Map.entry("--feat-drop", W.featDrop()), Map.entry("--lr", W.lr()),
                Map.entry("--batch-size", W.batchSize()), Map.entry("--epochs", W.epochs()),
                Map.entry("--weight-decay", W.weightDecay()),
                Map.entry("--Ks", String.join(",", W.ks().stream().map(String::valueOf).toList())),
                Map.entry("--patience", W.patience()), Map.entry("--num-workers", W.numWorkers()),
                Map.entry("--log-interval", W.logInterval()), Map.entry("--seed", W.seed()));

        @Override
        public String defaultValue(ArgSpec arg) {
            Object v = arg instanceof OptionSpec o ? VALUES.get(o.longestName()) : null;
            return v == null ? null : String.valueOf(v);
        }
    }
}

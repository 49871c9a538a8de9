package io.lessr.cli;

import io.lessr.data.SyntheticSessions;
import io.lessr.data.SyntheticSessions.Settings;
import io.lessr.data.preprocess.RawDataset;
import io.lessr.data.preprocess.SyntheticRawLog;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Generates a synthetic dataset folder; with no options, the kit's embedded default. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Generate a deterministic synthetic session dataset (popularity skew + sequential patterns).")
final class SynthCommand implements Callable<Integer> {
    private static final Settings D = Settings.embeddedDefault();

    @Option(names = "--out", description = "output folder (default: data/synthetic); with --raw, the raw log file "
            + "(default: raw/<the original file name>)")
    Path out;

    @Option(names = "--raw", description = "instead of a dataset folder, write a raw log in the format of diginetica, "
            + "gowalla or lastfm, for the preprocess command")
    String raw;

    @Option(names = "--clicks", defaultValue = "1200000", description = "with --raw: rows in the log (default: ${DEFAULT-VALUE}, "
            + "about Diginetica's size)")
    long clicks;

    @Option(names = "--preset", description = "default, diginetica, gowalla or lastfm: the size of the paper's "
            + "datasets (sizes given as options still apply)")
    String preset;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--num-items", description = "number of items (default: " + 1000 + ")")
    int numItems = D.numItems();

    @Option(names = "--num-train", description = "training sessions (default: 5000)")
    int numTrain = D.numTrain();

    @Option(names = "--num-test", description = "test sessions (default: 1000)")
    int numTest = D.numTest();

    @Option(names = "--mean-length", description = "mean clicks per session, 2 to 20 (default: 4.0)")
    double meanLength = D.meanLength();

    @Option(names = "--zipf", description = "popularity exponent (default: 1.0)")
    double zipf = D.zipfExponent();

    @Option(names = "--seed", description = "random seed (default: 42)")
    long seed = D.seed();

    @Override
    public Integer call() {
        if (raw != null) {
            RawDataset format = RawDataset.of(raw);
            Path file = out != null ? out : Path.of("raw", format.rawFileName());
            long rows = SyntheticRawLog.write(format, clicks, spec.commandLine().getParseResult().hasMatchedOption("--seed") ? seed : 42, file);
            System.out.printf("wrote a synthetic %s log of %d clicks to %s%n", format.id(), rows, file);
            return 0;
        }
        Path out = this.out != null ? this.out : Path.of("data/synthetic");
        Settings base = preset == null ? D : Settings.preset(preset);
        var parsed = spec.commandLine().getParseResult();
        Settings s = new Settings(
                parsed.hasMatchedOption("--num-items") ? numItems : base.numItems(),
                parsed.hasMatchedOption("--num-train") ? numTrain : base.numTrain(),
                parsed.hasMatchedOption("--num-test") ? numTest : base.numTest(),
                parsed.hasMatchedOption("--mean-length") ? meanLength : base.meanLength(),
                parsed.hasMatchedOption("--zipf") ? zipf : base.zipfExponent(),
                base.successors(), base.followProbability(), base.repeatProbability(),
                parsed.hasMatchedOption("--seed") ? seed : base.seed());
        SyntheticSessions.write(s, out);
        System.out.printf("wrote %d items, %d train and %d test sessions to %s%n", s.numItems(), s.numTrain(), s.numTest(), out);
        return 0;
    }
}

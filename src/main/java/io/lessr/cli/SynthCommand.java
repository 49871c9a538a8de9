package io.lessr.cli;

import io.lessr.data.SyntheticSessions;
import io.lessr.data.SyntheticSessions.Settings;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Generates a synthetic dataset folder; with no options, the kit's embedded default. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Generate a deterministic synthetic session dataset (popularity skew + sequential patterns).")
final class SynthCommand implements Callable<Integer> {
    private static final Settings D = Settings.embeddedDefault();

    @Option(names = "--out", defaultValue = "data/synthetic", description = "output folder (default: ${DEFAULT-VALUE})")
    Path out;

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

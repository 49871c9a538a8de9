package io.lessr.cli;

import io.lessr.serve.Explanation;
import io.lessr.serve.Recommender;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code explain}: what the model looks at for one session, and what it recommends. */
@Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show why a session gets its recommendations: each SGAT layer's attention on the session's "
                + "shortcut edges, the readout's weight on each item, and the top k.")
final class ExplainCommand implements Callable<Integer> {
    enum Format { text, json }

    @Option(names = "--model", required = true, description = "the saved model folder")
    Path model;

    @Option(names = "--session", required = true, split = ",", description = "item ids in click order, e.g. 3,17,5")
    List<Integer> session;

    @Option(names = "-k", defaultValue = "10", description = "how many items to recommend (default: ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--format", defaultValue = "text", description = "text (tables) or json (default: ${DEFAULT-VALUE})")
    Format format;

    @Mixin
    DeviceOption device;

    @Override
    public Integer call() {
        try (Recommender r = Recommender.load(model, device.device(), 1, 1)) {
            Explanation e = r.explain(session, k);
            System.out.println(format == Format.json ? e.toJson() : e.toText());
        }
        return 0;
    }
}

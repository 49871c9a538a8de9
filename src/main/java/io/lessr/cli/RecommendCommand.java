package io.lessr.cli;

import io.lessr.data.SessionDataset;
import io.lessr.serve.Recommender;
import io.lessr.serve.Recommender.Recommendation;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Top-K next items from a saved model, for one session or a file of sessions. */
@Command(name = "recommend", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Recommend the next items for sessions with a model saved by train --save-dir.")
final class RecommendCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "the saved model folder")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--session", split = ",", description = "item ids in click order, e.g. 3,17,5")
        List<Integer> session;

        @Option(names = "--input", description = "a file with one session a line (the dataset format); "
                + "prints one line of item:score pairs per session")
        Path file;
    }

    @Mixin
    TopKOptions topK;

    @Mixin
    DeviceOption device;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        try (Recommender r = Recommender.load(model, device.device(), Recommender.defaultWorkers(),
                input.file != null ? topK.batch : 1)) {
            if (input.session != null) {
                List<Recommendation> top = r.recommend(input.session, topK.k, topK.excludeSeen);
                out.println("rank\titem\tscore");
                for (int i = 0; i < top.size(); i++) {
                    out.printf("%d\t%d\t%.6f%n", i + 1, top.get(i).item(), top.get(i).score());
                }
            } else {
                List<List<Integer>> sessions = SessionDataset.readSessions(input.file, r.numItems()).stream()
                        .map(s -> Arrays.stream(s).boxed().toList()).toList();
                for (List<Recommendation> top : r.recommendAll(sessions, topK.k, topK.excludeSeen)) {
                    out.println(Recommendation.toText(top));
                }
            }
        }
        return 0;
    }
}

package io.lessr.cli;

import io.lessr.data.preprocess.Preprocessing.Summary;
import io.lessr.data.preprocess.RawDataset;
import io.lessr.train.Memory;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code preprocess}: the original {@code preprocess.py}, raw log in, dataset folder out. */
@Command(name = "preprocess", mixinStandardHelpOptions = true,
        description = "Turn a raw Diginetica, Gowalla or Last.fm log into a dataset folder (train.txt, test.txt, "
                + "num_items.txt) exactly as the original LESSR preprocess.py does.")
final class PreprocessCommand implements Callable<Integer> {
    @Mixin
    RawLogOptions log;

    @Option(names = {"-f", "--file"}, required = true,
            description = "the raw log: train-item-views.csv (diginetica), loc-gowalla_totalCheckins.txt (gowalla), "
                    + "userid-timestamp-artid-artname-traid-traname.tsv (lastfm)")
    Path file;

    @Option(names = "--dataset-dir", description = "output folder, replaced atomically (default: datasets/<dataset>)")
    Path datasetDir;

    @Override
    public Integer call() {
        RawDataset raw = log.format();
        int topItems = log.topItems();
        Path out = datasetDir != null ? datasetDir : Path.of("datasets", raw.id());
        long start = System.nanoTime();
        Summary s = raw.preprocess(file, out, topItems, System.out);
        System.out.printf("%d training and %d test sessions, %d items; %.1f s, peak RSS %.0f MiB%n", s.numTrainSessions(),
                s.numTestSessions(), s.numItems(), (System.nanoTime() - start) / 1e9, Memory.peakResidentMiB());
        System.out.printf("train with the paper's settings: java -jar target/lessr.jar train --dataset-dir %s "
                + "--embedding-dim %d --num-layers %d%n", out, raw.embeddingDim(), raw.numLayers());
        return 0;
    }
}

package io.lessr.cli;

import io.lessr.data.preprocess.RawDataset;

import picocli.CommandLine.Option;

/** Which raw log format and how many items to keep: shared by {@code preprocess} on one machine and on Spark. */
final class RawLogOptions {
    @Option(names = {"-d", "--dataset"}, required = true, description = "diginetica, gowalla or lastfm")
    String dataset;

    @Option(names = "--top-items", description = "gowalla and lastfm: keep this many most clicked items "
            + "(default: the original's 30000 and 40000)")
    Integer topItems;

    RawDataset format() {
        return RawDataset.of(dataset);
    }

    int topItems() {
        if (topItems != null && topItems < 1) {
            throw new IllegalArgumentException("--top-items must be positive, got " + topItems);
        }
        return topItems != null ? topItems : format().topItems();
    }
}

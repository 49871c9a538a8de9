package io.lessr.cli;

import picocli.CommandLine.Option;

/** How many items to recommend and how sessions are scored: shared by {@code recommend} on one machine and on Spark. */
final class TopKOptions {
    @Option(names = "-k", defaultValue = "20", description = "how many items (default: ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--exclude-seen", description = "leave out items already in the session")
    boolean excludeSeen;

    @Option(names = "--batch", defaultValue = "256", description = "sessions scored per forward pass (default: ${DEFAULT-VALUE})")
    int batch;
}

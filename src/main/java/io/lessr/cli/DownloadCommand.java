package io.lessr.cli;

import io.lessr.data.SampleDownload;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code download}: the walkthrough's first step, the sample dataset fetched and verified. */
@Command(name = "download", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Download the walkthrough's sample dataset (num_items.txt, train.txt, test.txt), check "
                + "each file's SHA-256 and keep them in a dataset folder, written atomically.")
final class DownloadCommand implements Callable<Integer> {
    @Option(names = "--url", defaultValue = SampleDownload.DEFAULT_BASE_URL,
            description = "base URL of the three files, e.g. a mirror (default: ${DEFAULT-VALUE})")
    String url;

    @Option(names = "--dataset-dir", defaultValue = "data/sample", description = "where to keep them (default: ${DEFAULT-VALUE})")
    Path datasetDir;

    @Option(names = "--timeout", defaultValue = "30", description = "seconds to wait for a connection or an answer (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Override
    public Integer call() {
        if (timeoutSeconds < 1) {
            throw new IllegalArgumentException("--timeout must be at least 1 second, got " + timeoutSeconds);
        }
        System.out.println(new SampleDownload(url, Duration.ofSeconds(timeoutSeconds)).into(datasetDir));
        return 0;
    }
}

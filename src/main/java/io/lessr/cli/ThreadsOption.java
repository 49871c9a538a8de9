package io.lessr.cli;

import io.lessr.train.TrainRunner;

import picocli.CommandLine.Option;

/** {@code --threads}, shared by the commands that train. */
final class ThreadsOption {
    @Option(names = "--threads", description = "threads of each training step, 1 or 2; the results are the same "
            + "either way (default: one per core, up to 2)")
    Integer threads;

    /** Gives the runner the threads asked for; without the option it keeps its default. */
    void applyTo(TrainRunner runner) {
        if (threads != null) {
            runner.laneThreads(threads);
        }
    }
}

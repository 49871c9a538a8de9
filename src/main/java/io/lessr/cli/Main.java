package io.lessr.cli;

import io.lessr.model.EngineSettings;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import java.io.UncheckedIOException;

/** {@code java -jar lessr.jar <command>}: the kit's command line. */
@Command(name = "lessr", mixinStandardHelpOptions = true, version = "lessr-kit 0.1.0",
        description = "Session-based recommendation with LESSR (Chen & Wong, KDD 2020) on DJL.",
        subcommands = {TrainCommand.class, DownloadCommand.class, RecommendCommand.class, ExplainCommand.class, ImportCommand.class, ExportCommand.class, SynthCommand.class, PreprocessCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    public static void main(String[] args) {
        EngineSettings.configureDefaults();
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // Bad input is the user's to fix: show the message, not a stack trace.
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof UncheckedIOException) {
                cmd.getErr().println("error: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl;
    }
}

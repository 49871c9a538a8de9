package io.lessr.cli;

import picocli.CommandLine;

/** Lets tests in other packages run the command line in-process. */
public final class MainAccess {
    private MainAccess() {}

    public static CommandLine commandLine() {
        return Main.commandLine();
    }
}

package io.lessr.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Lets tests in other packages run the command line, in-process or in a JVM of its own. */
public final class MainAccess {
    private MainAccess() {}

    public static CommandLine commandLine() {
        return Main.commandLine();
    }

    /** The command that runs the CLI with {@code args} in a new JVM on the tests' class path. */
    public static List<String> inNewJvm(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                io.lessr.kernel.KernelMain.NATIVE_ACCESS, "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        return cmd;
    }
}

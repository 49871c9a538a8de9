package io.lessr.kernel;

import io.github.spencerpark.jupyter.channels.JupyterConnection;
import io.github.spencerpark.jupyter.kernel.KernelConnectionProperties;
import io.lessr.model.EngineSettings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import java.util.ArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code java -jar lessr-kernel.jar CONNECTION_FILE} runs the kernel (Jupyter starts it so);
 * {@code java -jar lessr-kernel.jar install [--user | --sys-prefix | --prefix DIR]} installs the
 * kernelspec {@code lessr-java}.
 */
@Command(name = "lessr-kernel", mixinStandardHelpOptions = true, subcommands = {KernelMain.Install.class, KernelMain.WarmUp.class},
        description = "The LESSR kit's Java (JShell) Jupyter kernel.")
public final class KernelMain implements Callable<Integer> {
    static final String KERNEL_NAME = "lessr-java";
    /**
     * Every JVM the kit starts with a class path (the kernelspec, the {@code LESSR_JVM_OPTS} kernel) takes this:
     * JNA, under DJL, loads libraries with {@code System.load}, which JDK 24+ warns of unless native access is
     * enabled (the jars' manifests say so for {@code java -jar}); JDK 17 to 23 accept it silently.
     */
    public static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    /** The installed kernel's young generation, the size the launcher gives {@code train} and {@code bench}. */
    static final String YOUNG_GENERATION = "-Xmn24m";
    /** The kernel's class-data archive, beside lessr.jar: the classes a kernel and its first cells load. */
    static final String CDS_ARCHIVE = "lessr-kernel.jsa";

    @Parameters(arity = "0..1", paramLabel = "CONNECTION_FILE", description = "the connection file Jupyter passes")
    Path connectionFile;

    /** Held so that its level sticks: the base kernel logs every message at INFO. */
    private static final Logger BASE_KERNEL_LOG = Logger.getLogger("io.github.spencerpark");

    public static void main(String[] args) {
        BASE_KERNEL_LOG.setLevel(Level.WARNING);
        for (Handler h : Logger.getLogger("").getHandlers()) {
            h.setLevel(Level.WARNING); // the server log needs no line per message
        }
        EngineSettings.configureDefaults();
        System.exit(new CommandLine(new KernelMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (connectionFile == null) {
            CommandLine.usage(this, System.err);
            return 2;
        }
        String jvmOptions = System.getenv(JVM_OPTIONS_ENV);
        if (jvmOptions != null && !jvmOptions.isBlank() && System.getProperty(CHILD_PROPERTY) == null) {
            return runInJvmWith(jvmOptions.trim().split("\\s+"));
        }
        watchParentIfChild();
        KernelConnectionProperties props = KernelConnectionProperties.parse(
                Files.readString(connectionFile, StandardCharsets.UTF_8));
        JupyterConnection connection = new JupyterConnection(props);
        JavaKernel kernel = new JavaKernel();
        kernel.becomeHandlerForConnection(connection);
        connection.connect();
        EngineSettings.preloadInBackground(); // linked while the first cell is typed or compiled
        LenientRequests.keepShellLoopsAlive(connection);
        connection.waitUntilClose();
        return 0;
    }

    /** JVM options for the kernel, read when Jupyter starts it (as IJava's and JJava's {@code *_JVM_OPTS}). */
    static final String JVM_OPTIONS_ENV = "LESSR_JVM_OPTS";
    private static final String CHILD_PROPERTY = "lessr.kernel.child";

    /**
     * A running JVM cannot take new JVM options: the kernel runs in a second JVM started with them, on
     * the same class path and connection file, and this one waits for it and ends with it.
     */
    private int runInJvmWith(String[] options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add(NATIVE_ACCESS);
        command.addAll(List.of(options));
        command.add("-D" + CHILD_PROPERTY + "=true");
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), KernelMain.class.getName(), connectionFile.toString()));
        Process child = new ProcessBuilder(command).inheritIO().start();
        Runtime.getRuntime().addShutdownHook(new Thread(child::destroy));
        return child.waitFor();
    }

    /** A kernel started by {@link #runInJvmWith} ends when the JVM that started it is gone (killed by Jupyter). */
    private static void watchParentIfChild() {
        if (System.getProperty(CHILD_PROPERTY) != null) {
            ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> Runtime.getRuntime().halt(0)));
        }
    }

    /**
     * What a notebook's first cells make the JVM load (JShell and its compiler, the kit, DJL and the
     * engine, Tablesaw), run without Jupyter: the build runs it once with {@code
     * -XX:ArchiveClassesAtExit} to make the kernel's class-data archive.
     */
    @Command(name = "warm-up", hidden = true, description = "Run a few cells without Jupyter and exit.")
    static final class WarmUp implements Callable<Integer> {
        static final List<String> CELLS = List.of(
                "1 + 1",
                "io.lessr.model.EngineSettings.configureDefaults();\n"
                        + "import ai.djl.ndarray.*;\nimport ai.djl.ndarray.types.*;\nimport tech.tablesaw.api.*;",
                "var manager = NDManager.newBaseManager();\nmanager.ones(new Shape(2, 3)).sum().getFloat()",
                "Table.create(\"t\", IntColumn.create(\"x\", 1, 2)).print()",
                "int twice(int x) { return 2 * x; }\ntwice(21)");

        @Override
        public Integer call() throws Exception {
            EngineSettings.configureDefaults();
            JavaKernel kernel = new JavaKernel();
            for (String cell : CELLS) {
                kernel.eval(cell);
            }
            return 0;
        }
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = "Install the kernelspec so that Jupyter lists 'Java (LESSR kit)'.")
    static final class Install implements Callable<Integer> {
        @Option(names = "--user", description = "for this user (the default)")
        boolean user;

        @Option(names = "--sys-prefix", description = "into the Python environment's prefix (sys.prefix)")
        boolean sysPrefix;

        @Option(names = "--prefix", description = "into DIR/share/jupyter/kernels")
        Path prefix;

        @Option(names = "--java-option", description = "an extra JVM option for the kernel, e.g. -Xmx8g")
        List<String> javaOptions = List.of();

        @Override
        public Integer call() throws IOException, InterruptedException {
            Path kernels = kernelsDir();
            Path dir = kernels.resolve(KERNEL_NAME);
            Files.createDirectories(dir);
            Path jar = Path.of(KernelMain.class.getProtectionDomain().getCodeSource().getLocation().getPath())
                    .toAbsolutePath();
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            StringBuilder argv = new StringBuilder("[").append(quote(java.toString()));
            List<String> options = new ArrayList<>(List.of(NATIVE_ACCESS));
            Path archive = jar.resolveSibling(CDS_ARCHIVE);
            if (Files.isRegularFile(archive)) {
                // Made by the build (pom.xml); a stale one, or one of another JDK, is ignored without a word.
                options.addAll(List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
            }
            // C1 only: on a small machine the C2 compiler's work at start-up and in training's first epoch
            // takes a core from JShell and from the two training lanes for less than it saves (README,
            // "Start-up"); a --java-option given later wins.
            options.add("-XX:TieredStopAtLevel=1");
            // The launcher's young generation: G1 would size eden to a share of the machine's memory, which
            // training's short-lived tensor wrappers fill and the kernel then keeps resident (README, "Start-up").
            options.add(YOUNG_GENERATION);
            options.addAll(javaOptions);
            for (String o : options) {
                argv.append(", ").append(quote(o));
            }
            argv.append(", ").append(quote("-cp")).append(", ").append(quote(jar.toString()))
                    .append(", ").append(quote(KernelMain.class.getName())).append(", ").append(quote("{connection_file}"))
                    .append("]");
            String spec = "{\n  \"argv\": " + argv + ",\n  \"display_name\": \"Java (LESSR kit)\",\n"
                    + "  \"language\": \"java\",\n  \"interrupt_mode\": \"message\",\n"
                    + "  \"env\": {\"PYDEVD_DISABLE_FILE_VALIDATION\": \"1\"}\n}\n";
            Files.writeString(dir.resolve("kernel.json"), spec, StandardCharsets.UTF_8);
            System.out.println("installed kernelspec " + KERNEL_NAME + " in " + dir);
            return 0;
        }

        private Path kernelsDir() throws IOException, InterruptedException {
            if (prefix != null) {
                return prefix.resolve("share/jupyter/kernels");
            }
            if (sysPrefix) {
                Process p = new ProcessBuilder("python3", "-c", "import sys; print(sys.prefix)").start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                if (p.waitFor() != 0 || out.isEmpty()) {
                    throw new IllegalStateException("--sys-prefix needs python3 on the PATH");
                }
                return Path.of(out, "share/jupyter/kernels");
            }
            String dataHome = System.getenv("JUPYTER_DATA_DIR");
            if (dataHome != null) {
                return Path.of(dataHome, "kernels");
            }
            String home = System.getenv("HOME") != null ? System.getenv("HOME") : System.getProperty("user.home");
            return Path.of(home, ".local/share/jupyter/kernels"); // where Jupyter looks on Linux
        }

        private static String quote(String s) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
    }
}

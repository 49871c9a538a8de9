package io.lessr.spark;

import io.lessr.kernel.MavenAccess;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster on this machine, built from Maven artifacts: {@code SPARK_HOME/jars}
 * links exactly the jars of {@code spark-sql} and its dependencies (a Spark distribution's, resolved
 * from the local repository), a Master and {@code n} Workers run in JVMs of their own, and drivers
 * are started by {@code SparkSubmit} in JVMs of their own, as {@code spark-submit} starts them. The
 * kit goes with each application as the shaded {@code lessr.jar} would: its classes as the
 * application jar and its other dependencies by {@code --jars}, so executors are other processes
 * that fetch the kit and load the model themselves, with Spark's own libraries first.
 */
final class StandaloneCluster implements AutoCloseable {
    /** Spark's Java 17 options (org.apache.spark.launcher.JavaModuleOptions), from the pom. */
    private static final List<String> JAVA_OPTIONS = List.of(System.getProperty("lessr.spark.java.options",
            "-XX:+IgnoreUnrecognizedVMOptions").split("\\s+"));

    /** Executor heap; the benchmark raises it with -Dlessr.spark.executor.mib. */
    private static final int EXECUTOR_MIB = Integer.getInteger("lessr.spark.executor.mib", 1024);

    final Path home;
    final Path appJar;
    final String masterUrl;
    private final List<String> kitJars = new ArrayList<>();
    private final Path logs;
    private final Process master;
    private final List<Process> workers = new ArrayList<>();

    private StandaloneCluster(Path root, int numWorkers) throws IOException, InterruptedException {
        home = root.resolve("spark-home");
        logs = root.resolve("logs");
        Files.createDirectories(home.resolve("jars"));
        Files.createDirectories(logs);
        Files.createDirectories(home.resolve("conf"));
        try (var in = StandaloneCluster.class.getResourceAsStream("/spark-conf/log4j2.properties")) {
            Files.copy(in, home.resolve("conf/log4j2.properties"));
        }
        List<Path> spark = MavenAccess.resolve(Path.of(System.getProperty("lessr.maven.repo")),
                List.of("org.apache.spark:spark-sql_2.13:" + System.getProperty("lessr.spark.version")));
        Set<String> sparkJars = new HashSet<>();
        for (Path p : spark) {
            sparkJars.add(p.getFileName().toString());
            Files.createSymbolicLink(home.resolve("jars").resolve(p.getFileName()), p.toAbsolutePath());
        }
        for (String entry : classPath()) {
            Path p = Path.of(entry);
            if (entry.endsWith(".jar") && Files.isRegularFile(p) && !sparkJars.contains(p.getFileName().toString())) {
                kitJars.add(p.toAbsolutePath().toString());
            }
        }
        appJar = root.resolve("lessr-app.jar");
        jar(Path.of("target/classes"), appJar);
        int port = freePort();
        masterUrl = "spark://127.0.0.1:" + port;
        master = start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--webui-port", Integer.toString(freePort()));
        waitForPort(port, 60);
        for (int i = 0; i < numWorkers; i++) {
            workers.add(startWorker(i));
        }
    }

    static StandaloneCluster start(Path root, int numWorkers) {
        try {
            return new StandaloneCluster(root, numWorkers);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Process startWorker(int i) throws IOException {
        Path work = home.resolve("work-" + i);
        Files.createDirectories(work);
        return start("worker-" + i, "org.apache.spark.deploy.worker.Worker", masterUrl, "--host", "127.0.0.1",
                "--cores", "1", "--memory", (EXECUTOR_MIB + 512) + "m", "--work-dir", work.toString(), "--webui-port", Integer.toString(freePort()));
    }

    /** Kills worker {@code i} and the executors it started, as when a machine is lost. */
    void killWorker(int i) {
        Process w = workers.get(i);
        w.descendants().forEach(ProcessHandle::destroyForcibly);
        w.destroyForcibly();
    }

    /** The executor JVMs the workers have running now. */
    long executors() {
        return workers.stream().flatMap(w -> w.descendants().filter(ProcessHandle::isAlive)).count();
    }

    /** Runs {@code SparkSubmit} in a JVM of its own; its output goes to {@code log}. */
    Process submit(Path log, List<String> conf, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("--master", masterUrl, "--deploy-mode", "client", "--class", mainClass,
                "--conf", "spark.ui.enabled=false", "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.driver.bindAddress=127.0.0.1", "--conf", "spark.sql.shuffle.partitions=4",
                "--conf", "spark.executor.memory=" + EXECUTOR_MIB + "m", "--conf", "spark.driver.memory=1g",
                // the executors load DJL's JNA too (the driver has it among JAVA_OPTIONS)
                "--conf", "spark.executor.extraJavaOptions=" + io.lessr.kernel.KernelMain.NATIVE_ACCESS, "--jars", String.join(",", kitJars)));
        for (String c : conf) {
            cmd.add("--conf");
            cmd.add(c);
        }
        cmd.add(appJar.toString());
        cmd.addAll(Arrays.asList(args));
        return startJvm(log, "org.apache.spark.deploy.SparkSubmit", cmd);
    }

    private Process start(String name, String mainClass, String... args) throws IOException {
        return startJvm(logs.resolve(name + ".log"), mainClass, Arrays.asList(args));
    }

    private Process startJvm(Path log, String mainClass, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.addAll(JAVA_OPTIONS);
        cmd.add("-cp");
        cmd.add(home.resolve("conf") + File.pathSeparator + home.resolve("jars") + File.separator + "*");
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", home.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("SPARK_CONF_DIR", home.resolve("conf").toString());
        return pb.start();
    }

    /** Waits for a worker's registration line in the master's log. */
    void awaitWorkers(int n, int seconds) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (Files.readAllLines(logs.resolve("master.log")).stream().filter(l -> l.contains("Registering worker")).count() >= n) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(n + " workers did not register within " + seconds + " s: see " + logs);
    }

    @Override
    public void close() {
        for (Process w : workers) {
            w.descendants().forEach(ProcessHandle::destroyForcibly);
            w.destroyForcibly();
        }
        master.destroyForcibly();
    }

    private static List<String> classPath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.asList(cp.split(File.pathSeparator));
    }

    private static void jar(Path classes, Path jar) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void waitForPort(int port, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("the master did not listen on port " + port + " within " + seconds + " s");
    }
}

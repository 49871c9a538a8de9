package io.lessr.kernel;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The browser tests' Jupyter front ends: JupyterLab 3.6.8 built from its npm packages (src/test/jupyterlab,
 * as JupyterLab's examples/app) and served by Debian's jupyter_server and jupyterlab_server; Debian's classic
 * Notebook 6. Each runs as its own server on a free local port with a fresh token, the kit's kernelspec and
 * {@code LESSR_QUICK=1}, over a copy of the notebooks and the embedded data.
 */
final class LabFrontEnd implements AutoCloseable {
    static final Path SOURCES = Path.of("src/test/jupyterlab").toAbsolutePath();
    private static final List<String> BUILD_INPUTS = List.of("package.json", "package-lock.json", "index.js", "webpack.config.js");

    final String baseUrl;
    final String token = UUID.randomUUID().toString().replace("-", "");
    final Path root;
    private final Process server;
    private final Path log;

    private LabFrontEnd(List<String> command, Path work, Map<String, String> env) throws Exception {
        this.root = Files.createDirectories(work.resolve("root"));
        io.lessr.TestFiles.copyTree(Path.of("notebooks"), root.resolve("notebooks"));
        io.lessr.TestFiles.copyTree(Path.of("data/synthetic"), root.resolve("data/synthetic"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        baseUrl = "http://127.0.0.1:" + port;
        Path jupyter = work.resolve("jupyter");
        TestKernelspec.write(jupyter);
        log = work.resolve("server.log");
        List<String> full = new java.util.ArrayList<>(command);
        full.addAll(List.of("--port=" + port, "--ip=127.0.0.1", "--no-browser", "--allow-root",
                "--NotebookApp.token=" + token, "--ServerApp.token=" + token,
                "--NotebookApp.notebook_dir=" + root, "--ServerApp.root_dir=" + root));
        ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        pb.environment().put("JUPYTER_PATH", jupyter.toString());
        pb.environment().put("JUPYTER_CONFIG_DIR", Files.createDirectories(work.resolve("config")).toString());
        pb.environment().put("JUPYTER_DATA_DIR", Files.createDirectories(work.resolve("data")).toString());
        pb.environment().put("JUPYTER_RUNTIME_DIR", Files.createDirectories(work.resolve("runtime")).toString());
        pb.environment().put("LESSR_QUICK", "1");
        pb.environment().put("LESSR_SAMPLE_URL", "http://127.0.0.1:9/lessr-sample/"); // no host but this one
        pb.environment().put("PYDEVD_DISABLE_FILE_VALIDATION", "1");
        server = pb.start();
        waitUntilServing();
    }

    /** JupyterLab 3.6.8, built once into ~/.cache/lessr-kit (npm ci and webpack, about a minute) and reused. */
    static LabFrontEnd jupyterLab(Path work) throws Exception {
        Path build = labBuild();
        return new LabFrontEnd(List.of("/usr/bin/python3", SOURCES.resolve("lab_app.py").toString()), work,
                Map.of("LESSR_LAB_BUILD", build.toString()));
    }

    /** Debian's classic Notebook 6. */
    static LabFrontEnd classicNotebook(Path work) throws Exception {
        return new LabFrontEnd(List.of("/usr/bin/python3", "-m", "notebook"), work, Map.of());
    }

    String url(String path) {
        return baseUrl + path + (path.contains("?") ? "&" : "?") + "token=" + token;
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /**
     * What a failed wait needs to be understood: the server log's last lines and the threads of every
     * kernel JVM the server started (a kernel that hangs shows where).
     */
    String diagnostics() {
        StringBuilder out = new StringBuilder();
        try {
            Files.copy(log, Path.of("target", "jupyter-server-" + ProcessHandle.current().pid() + ".log"),
                    StandardCopyOption.REPLACE_EXISTING);
            List<String> lines = Files.readAllLines(log);
            out.append("server log (last 60 lines):\n")
                    .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())));
        } catch (IOException e) {
            out.append("server log unreadable: ").append(e);
        }
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        server.descendants().filter(p -> p.info().command().orElse("").endsWith("java")).forEach(p -> {
            out.append("\nthreads of kernel JVM ").append(p.pid()).append(":\n");
            try {
                Process dump = new ProcessBuilder(jcmd, Long.toString(p.pid()), "Thread.print").redirectErrorStream(true).start();
                out.append(new String(dump.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
                dump.waitFor(30, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                out.append("no thread dump: ").append(e);
            }
        });
        return out.toString();
    }

    private void waitUntilServing() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new IllegalStateException("the Jupyter server stopped:\n" + log());
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(url("/api/status")).toURL().openConnection();
                c.setConnectTimeout(1000);
                if (c.getResponseCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the Jupyter server did not start within 90 s:\n" + log());
    }

    /** The built front end for the current sources: reused when their hash matches, else built anew. */
    static synchronized Path labBuild() throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (String f : BUILD_INPUTS) {
            sha.update(Files.readAllBytes(SOURCES.resolve(f)));
        }
        String hash = HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "lessr-kit", "jupyterlab-3.6.8-" + hash);
        Path build = cache.resolve("build");
        if (Files.isRegularFile(build.resolve("bundle.js"))) {
            return build;
        }
        Path tmp = Files.createDirectories(cache.resolveSibling(cache.getFileName() + ".tmp-" + ProcessHandle.current().pid()));
        for (String f : BUILD_INPUTS) {
            Files.copy(SOURCES.resolve(f), tmp.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        run(tmp, 600, "npm", "ci", "--no-audit", "--no-fund");
        run(tmp, 900, "npx", "webpack");
        if (Files.exists(cache)) {
            io.lessr.data.AtomicDirectory.deleteTree(cache);
        }
        Files.move(tmp, cache, StandardCopyOption.ATOMIC_MOVE);
        return build;
    }

    private static void run(Path dir, int timeoutSeconds, String... command) throws Exception {
        Path out = Files.createTempFile("lessr-lab-build", ".log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " took over " + timeoutSeconds + " s");
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + text.substring(Math.max(0, text.length() - 4000)));
        }
    }

    @Override
    public void close() throws Exception {
        server.destroy(); // SIGTERM: the server shuts its kernels down
        if (!server.waitFor(20, TimeUnit.SECONDS)) {
            server.destroyForcibly();
        }
    }
}

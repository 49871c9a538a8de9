package io.lessr.kernel;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The browser tests' Jupyter front ends: JupyterLab 4 as Debian packages it (Debian 13's {@code jupyterlab} on
 * its {@code jupyter_server} 2): this machine's own where it has it, else served from the cached Debian 13 root
 * that {@code scripts/setup-jupyter.sh} makes ({@code scripts/debian13.sh}), with this build, its Maven
 * repository and its JDK mounted in, so that the kernel runs on the JDK of the test; Debian's classic Notebook
 * 6. Each runs as its own server on a free local port with a fresh token, the kit's kernelspec and
 * {@code LESSR_QUICK=1}, over a copy of the notebooks and the embedded data.
 */
final class LabFrontEnd implements AutoCloseable {
    final String baseUrl;
    final String token = UUID.randomUUID().toString().replace("-", "");
    final Path root;
    /** Where the server runs: "this machine" or the Debian 13 root's path. */
    final String where;
    private final Process server;
    private final Path log;

    private LabFrontEnd(String where, List<String> launcher, List<String> command, String app, Path work) throws Exception {
        this.where = where;
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
        Path config = Files.createDirectories(work.resolve("config"));
        // JupyterLab's question whether to fetch news would sit over the notebook.
        Files.createDirectories(config.resolve("labconfig"));
        Files.writeString(config.resolve("labconfig/page_config.json"),
                "{\"disabledExtensions\": {\"@jupyterlab/apputils-extension:announcements\": true}}");
        log = work.resolve("server.log");
        // Passed by env(1): a launcher through sudo would drop the environment.
        List<String> full = new java.util.ArrayList<>(launcher);
        full.addAll(List.of("/usr/bin/env", "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "LANG=C.UTF-8",
                "JUPYTER_PATH=" + jupyter,
                "JUPYTER_CONFIG_DIR=" + config,
                "JUPYTER_DATA_DIR=" + Files.createDirectories(work.resolve("data")),
                "JUPYTER_RUNTIME_DIR=" + Files.createDirectories(work.resolve("runtime")),
                "JUPYTERLAB_WORKSPACES_DIR=" + Files.createDirectories(work.resolve("workspaces")),
                "LESSR_QUICK=1",
                "LESSR_SAMPLE_URL=http://127.0.0.1:9/lessr-sample/", // no host but this one
                "PYDEVD_DISABLE_FILE_VALIDATION=1"));
        full.addAll(command);
        full.addAll(List.of("--port=" + port, "--ip=127.0.0.1", "--no-browser", "--allow-root",
                "--" + app + ".token=" + token, "--" + app + (app.equals("ServerApp") ? ".root_dir=" : ".notebook_dir=") + root));
        ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile());
        server = pb.start();
        waitUntilServing();
    }

    /** JupyterLab 4: this machine's Debian package where it has one, else the Debian 13 root's. */
    static LabFrontEnd jupyterLab(Path work) throws Exception {
        List<String> lab = List.of("/usr/bin/python3", "-m", "jupyterlab", "--LabApp.expose_app_in_browser=True");
        if (hasJupyterLab4()) {
            return new LabFrontEnd("this machine", List.of(), lab, "ServerApp", work);
        }
        Path debian13 = io.lessr.Debian13.labRoot();
        List<String> launcher = io.lessr.Debian13.launcher(debian13, mountsForTheKernel(work));
        return new LabFrontEnd(debian13.toString(), launcher, lab, "ServerApp", work);
    }

    /**
     * Debian's classic Notebook 6, with its asynchronous kernel manager (README, "The classic Notebook"): under
     * jupyter_client 8 (Debian 13) its default one handles every kernel message on another thread's event loop,
     * so that each kernel connects only after the 60 s kernel_info timeout and a message can wait for the next one.
     */
    static LabFrontEnd classicNotebook(Path work) throws Exception {
        return new LabFrontEnd("this machine", List.of(), List.of("/usr/bin/python3", "-m", "notebook",
                "--NotebookApp.kernel_manager_class=notebook.services.kernels.kernelmanager.AsyncMappingKernelManager"),
                "NotebookApp", work);
    }

    private static boolean hasJupyterLab4() throws Exception {
        Process p = new ProcessBuilder("/usr/bin/python3", "-c",
                "import sys, jupyterlab; sys.exit(0 if int(jupyterlab.__version__.split('.')[0]) >= 4 else 1)")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor() == 0;
    }

    /**
     * What the kernel, started inside the Debian 13 root, reads from this machine, each at its own path: this
     * build, the Maven repository of the test class path, the JDK of the test (and the configuration outside
     * it that its links point to, e.g. Debian's /etc/java-17-openjdk), DJL's cache of the PyTorch library,
     * and the test's folder.
     */
    private static List<Path> mountsForTheKernel(Path work) throws IOException {
        java.util.Set<Path> dirs = new java.util.LinkedHashSet<>();
        dirs.add(Path.of("").toAbsolutePath());
        dirs.add(Path.of(System.getProperty("lessr.maven.repo")).toRealPath());
        Path javaHome = Path.of(System.getProperty("java.home")).toRealPath();
        dirs.add(javaHome);
        try (var files = Files.walk(javaHome)) {
            files.filter(Files::isSymbolicLink).forEach(link -> {
                try {
                    Path target = Files.readSymbolicLink(link);
                    if (target.isAbsolute() && target.getNameCount() >= 2 && !target.startsWith("/etc/ssl")
                            && !target.startsWith(javaHome)) {
                        dirs.add(target.getRoot().resolve(target.subpath(0, 2)));
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        dirs.add(Files.createDirectories(ai.djl.util.Utils.getCacheDir()).toRealPath());
        dirs.add(work.toAbsolutePath());
        return List.copyOf(dirs);
    }

    String url(String path) {
        return baseUrl + path + (path.contains("?") ? "&" : "?") + "token=" + token;
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /**
     * What a failed wait needs to be understood: the server log's last lines and the threads of every
     * kernel JVM the server started (a kernel that hangs shows where). The server log is also kept in target/.
     */
    String diagnostics() {
        return "server log (last 60 lines):\n" + String.join("\n", serverLogTail(60)) + kernelThreads(Integer.MAX_VALUE);
    }

    /**
     * The same, short enough for a failure message (what a CI log's tail keeps): the server log's last lines
     * and the top frames of the kernel threads that run cells and training.
     */
    String summary() {
        return serverLogTail(12).stream().map(l -> "  server: " + l).collect(java.util.stream.Collectors.joining("\n"))
                + kernelThreads(6);
    }

    private List<String> serverLogTail(int n) {
        try {
            Files.copy(log, Path.of("target", "jupyter-server-" + ProcessHandle.current().pid() + ".log"),
                    StandardCopyOption.REPLACE_EXISTING);
            List<String> lines = Files.readAllLines(log);
            return lines.subList(Math.max(0, lines.size() - n), lines.size());
        } catch (IOException e) {
            return List.of("server log unreadable: " + e);
        }
    }

    /**
     * Each kernel JVM's thread dump: whole, or ({@code frames} finite) only the threads that run cells,
     * training and the shell, {@code frames} frames each.
     */
    private String kernelThreads(int frames) {
        StringBuilder out = new StringBuilder();
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        server.descendants().filter(p -> p.info().command().orElse("").endsWith("java")).forEach(p -> {
            out.append("\nthreads of kernel JVM ").append(p.pid()).append(":\n");
            try {
                Process dump = new ProcessBuilder(jcmd, Long.toString(p.pid()), "Thread.print").redirectErrorStream(true).start();
                String text = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                dump.waitFor(30, TimeUnit.SECONDS);
                out.append(frames == Integer.MAX_VALUE ? text : topFrames(text, frames));
            } catch (IOException | InterruptedException e) {
                out.append("no thread dump: ").append(e);
            }
        });
        return out.toString();
    }

    private static String topFrames(String dump, int frames) {
        StringBuilder out = new StringBuilder();
        int shown = -1;
        for (String line : dump.split("\n")) {
            if (line.startsWith("\"")) {
                boolean ours = line.matches("\"(jshell-snippet|lessr-lane|lessr-collate|Shell-\\d+)\".*");
                shown = ours ? 0 : -1;
                if (ours) {
                    out.append("  ").append(line, 0, Math.min(line.length(), 80)).append('\n');
                }
            } else if (shown >= 0 && shown < frames && !line.isBlank()) {
                out.append("    ").append(line.strip()).append('\n');
                shown++;
            }
        }
        // No such thread: what jcmd said instead (it could not attach, say) is the news.
        return out.length() > 0 ? out.toString() : dump.lines().limit(3).collect(java.util.stream.Collectors.joining("\n", "  ", "\n"));
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

    @Override
    public void close() throws Exception {
        server.destroy(); // SIGTERM: the server shuts its kernels down
        if (!server.waitFor(20, TimeUnit.SECONDS)) {
            server.destroyForcibly();
        }
    }
}

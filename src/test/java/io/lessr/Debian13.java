package io.lessr;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The cached Debian 13 root that {@code scripts/setup-jupyter.sh} makes on a Debian 12 machine
 * ({@code scripts/debian13.sh root lab}: JupyterLab 4, PyTorch 2.6, safetensors), and commands run in it.
 */
public final class Debian13 {
    private static final Path SCRIPT = Path.of("scripts", "debian13.sh").toAbsolutePath();

    private Debian13() {}

    /** The lab root's path; made here if it is not yet (one builder at a time, by the script's lock). */
    public static Path labRoot() throws Exception {
        Path out = Files.createTempFile("lessr-debian13", ".log");
        try {
            Process p = new ProcessBuilder(SCRIPT.toString(), "root", "lab")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).redirectOutput(out.toFile()).start();
            if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("scripts/debian13.sh root lab failed: " + Files.readString(out));
            }
            List<String> lines = Files.readAllLines(out);
            return Path.of(lines.get(lines.size() - 1).strip());
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** The launcher that runs a command in {@code root} with each of {@code binds} mounted at its own path. */
    public static List<String> launcher(Path root, List<Path> binds) {
        List<String> launcher = new ArrayList<>(List.of(SCRIPT.toString(), "run", root.toString()));
        for (Path dir : binds) {
            launcher.addAll(List.of("--bind", dir.toAbsolutePath().toString()));
        }
        launcher.add("--");
        return launcher;
    }
}

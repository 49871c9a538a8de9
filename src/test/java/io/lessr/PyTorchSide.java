package io.lessr;


import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real PyTorch for the state_dict tests: this machine's python3 where it has torch and safetensors (Debian 13's
 * {@code python3-torch} 2.6 and {@code python3-safetensors}), else the same packages in the cached Debian 13 root
 * that {@code scripts/setup-jupyter.sh} makes on Debian 12 (which packages no safetensors). Runs
 * {@code scripts/bench/lessr_torch.py}, the walkthrough's LESSR in plain PyTorch, or a few lines of Python.
 */
public final class PyTorchSide {
    private static final Path REPO = Path.of("").toAbsolutePath();
    private final List<String> launcher;
    /** "this machine" or the root's path, for messages. */
    public final String where;

    private PyTorchSide(List<String> launcher, String where) {
        this.launcher = launcher;
        this.where = where;
    }

    /** PyTorch for files under {@code work}. */
    public static PyTorchSide forFilesUnder(Path work) throws Exception {
        Process probe = new ProcessBuilder("/usr/bin/python3", "-c", "import torch, safetensors")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (probe.waitFor(2, TimeUnit.MINUTES) && probe.exitValue() == 0) {
            return new PyTorchSide(List.of(), "this machine");
        }
        Path root = Debian13.labRoot();
        List<String> launcher = new ArrayList<>(Debian13.launcher(root, List.of(REPO, work)));
        launcher.addAll(List.of("/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "HOME=/root", "LANG=C.UTF-8"));
        return new PyTorchSide(List.copyOf(launcher), root.toString());
    }

    /** {@code scripts/bench/lessr_torch.py ARGS}; its standard output. */
    public String lessrTorch(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", REPO.resolve("scripts/bench/lessr_torch.py").toString()));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    /** {@code python3 -c CODE ARGS}; its standard output. */
    public String python(String code, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", "-c", code));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    private String run(List<String> cmd) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(launcher);
        full.addAll(cmd);
        Path out = Files.createTempFile("pytorch", ".out");
        Path err = Files.createTempFile("pytorch", ".err");
        try {
            Process p = new ProcessBuilder(full).directory(REPO.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("PyTorch (" + where + ") did not finish in 5 minutes: " + cmd);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("PyTorch (" + where + ") failed, exit " + p.exitValue() + ": " + cmd + "\n"
                        + Files.readString(err));
            }
            return Files.readString(out);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}

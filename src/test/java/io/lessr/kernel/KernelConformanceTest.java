package io.lessr.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs Jupyter's kernel conformance suite (Debian package python3-jupyter-kernel-test, which
 * .ci/run installs) against the kernel, started by Jupyter's own client from a kernelspec that runs
 * this build's classes.
 */
class KernelConformanceTest {
    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    Path tmp;

    @Test
    void jupyterKernelTestSuitePasses() throws Exception {
        assertTrue(pythonHas("jupyter_kernel_test"),
                "python3-jupyter-kernel-test is not installed: .ci/run installs it: run scripts/setup-jupyter.sh");
        TestKernelspec.write(tmp.resolve("jupyter"));
        Path suite = Path.of("src/test/jupyter/test_kernel_conformance.py").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder(PYTHON, "-m", "unittest", "-v", "test_kernel_conformance")
                .directory(suite.getParent().toFile()).redirectErrorStream(true);
        pb.environment().put("JUPYTER_PATH", tmp.resolve("jupyter").toString());
        pb.environment().put("JUPYTER_RUNTIME_DIR", Files.createDirectories(tmp.resolve("runtime")).toString());
        pb.environment().put("PYDEVD_DISABLE_FILE_VALIDATION", "1");
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "the suite finished");
        System.out.println(log);
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("OK"), log);
        assertTrue(!log.contains("skipped"), "every check of the suite has a Java sample and runs: " + log);
    }

    private static boolean pythonHas(String module) {
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import " + module).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

}

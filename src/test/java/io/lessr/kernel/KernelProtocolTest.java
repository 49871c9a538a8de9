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
 * Drives the kernel with protocol probes through Jupyter's own client ({@code
 * src/test/jupyter/test_kernel_protocol.py}): a 200,000-line cell counted on the client, output order,
 * history search with regex characters, odd and malformed requests, stdin without a front end, an
 * out-of-memory cell, a failing {@code toString}, a sleeping and a busy cell stopped by {@code interrupt_request};
 * the kernel's JVM options come from {@code LESSR_JVM_OPTS}, and the kernel's JVMs (the one Jupyter starts and
 * the one it starts with those options) print no JVM warning.
 */
class KernelProtocolTest {
    @TempDir
    Path tmp;

    @Test
    void everyProbeGetsAnAnswerAndNoOutputIsLost() throws Exception {
        TestKernelspec.write(tmp.resolve("jupyter"));
        Path suite = Path.of("src/test/jupyter/test_kernel_protocol.py").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/python3", "-m", "unittest", "-v", "test_kernel_protocol")
                .directory(suite.getParent().toFile()).redirectErrorStream(true);
        pb.environment().put("JUPYTER_PATH", tmp.resolve("jupyter").toString());
        pb.environment().put("JUPYTER_RUNTIME_DIR", Files.createDirectories(tmp.resolve("runtime")).toString());
        pb.environment().put("PYDEVD_DISABLE_FILE_VALIDATION", "1");
        pb.environment().put(KernelMain.JVM_OPTIONS_ENV, "-Xmx1g");
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "the probes finished");
        System.out.println(log);
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("OK") && !log.contains("skipped"), log);
        assertEquals(java.util.List.of(), io.lessr.JvmWarnings.in(log), "Java " + System.getProperty("java.version"));
    }
}

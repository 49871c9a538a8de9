package io.lessr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user sees in the terminal: training, resuming and recommending, each in a JVM of its own (so
 * that what native code writes to the process's stderr is seen too), print no warning of libtorch's and
 * none of the JVM's (on JDK 24+: native access, {@code sun.misc.Unsafe}) on the JDK the tests run on.
 */
class QuietRunTest {
    /** glog's prefix, which libtorch's warnings and errors carry: {@code [W1130 05:12:45.436247217 ...}. */
    private static final Pattern NATIVE_LOG = Pattern.compile("(?m)^\\[[WEF]\\d{4} ");

    @TempDir
    Path tmp;

    @Test
    void trainingResumingAndRecommendingPrintNoLibtorchOrJvmWarning() throws Exception {
        Path checkpoints = tmp.resolve("checkpoints");
        Path model = tmp.resolve("model");
        String train = run("train", "--epochs", "1", "--batch-size", "128", "--checkpoint-dir", checkpoints.toString(),
                "--save-dir", model.toString());
        assertTrue(train.contains("Best results"), train);
        String resumed = run("train", "--resume", checkpoints.toString(), "--epochs", "2");
        assertTrue(resumed.contains("Epoch 1:"), resumed);
        String recommended = run("recommend", "--model", model.toString(), "--session", "3,17,5", "-k", "3");
        assertEquals(3, recommended.lines().filter(l -> l.matches("\\d+\t\\d+\t.*")).count(), recommended);
        for (String out : List.of(train, resumed, recommended)) {
            assertTrue(!NATIVE_LOG.matcher(out).find(), "a native log line in:\n" + out);
            assertEquals(List.of(), io.lessr.JvmWarnings.in(out), "Java " + System.getProperty("java.version") + ":\n" + out);
        }
    }

    /** Runs the CLI in a new JVM on the embedded data; returns what it printed, stdout and stderr. */
    private String run(String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(MainAccess.inNewJvm(List.of(args))).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), String.join(" ", args) + " did not end");
        assertEquals(0, p.exitValue(), String.join(" ", args) + ":\n" + out);
        return out;
    }
}

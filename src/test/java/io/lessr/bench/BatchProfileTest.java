package io.lessr.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lessr.cli.MainAccess;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench --profile} with the kit's agent counts native calls on both lanes and accounts for a batch's
 * time; without the agent it says how to run it; {@code scripts/bench/side_by_side.py} runs the kit and the
 * PyTorch port on the same data and prints their ratio.
 */
class BatchProfileTest {
    @TempDir
    Path tmp;

    @Test
    void profileCountsTheSameNativeCallsOnOneThreadAsSplitBetweenTwo() throws Exception {
        Path agent = tmp.resolve("agent.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", NativeCalls.class.getName());
        try (OutputStream out = new JarOutputStream(Files.newOutputStream(agent), manifest)) {
            // the agent's classes come from the class path
        }
        String two = profile(agent, "2");
        String one = profile(agent, "1");
        for (String phase : List.of("epoch 1, training: 4 batches", "epoch 1, evaluation: ")) {
            String split = two.substring(two.indexOf(phase));
            String alone = one.substring(one.indexOf(phase));
            double[] calls = row(split, "native calls");
            assertTrue(calls[0] > 50 && calls[1] > 0, phase + ": native calls on both lanes\n" + two);
            // The lanes' work is the same whichever threads run it: so is its count of native calls.
            assertEquals(0, row(alone, "native calls")[1], phase + "\n" + one);
            assertEquals(calls[0] + calls[1], row(alone, "native calls")[0], 1.0, phase + "\n" + two + "\n" + one);
            // So is the number of times the lanes meet.
            assertEquals(match(split, "the lanes met ([0-9.]+) times"), match(alone, "the lanes met ([0-9.]+) times"),
                    phase + "\n" + two + "\n" + one);
            for (String table : List.of(split, alone)) {
                double[] nativeMs = row(table, "time in native calls");
                double[] javaMs = row(table, "Java around them");
                // The Java row is what is left of the batch's time: native time counted twice would make it negative.
                assertTrue(nativeMs[0] > 0 && javaMs[0] >= 0 && javaMs[1] >= 0, phase + "\n" + table);
            }
        }
        assertTrue(two.contains("| torchBackward |"), two);
    }

    private static String profile(Path agent, String threads) throws Exception {
        List<String> cmd = new ArrayList<>(MainAccess.inNewJvm(List.of("bench", "--profile", "--epochs", "1",
                "--max-batches", "4", "--batch-size", "64", "--threads", threads)));
        cmd.add(1, "-javaagent:" + agent);
        String out = run(cmd, 0);
        assertTrue(!out.contains("left uncounted"), out);
        return out;
    }

    @Test
    void profileWithoutTheAgentSaysHowToRunIt() throws Exception {
        String out = run(MainAccess.inNewJvm(List.of("bench", "--profile", "--epochs", "1")), 2);
        assertTrue(out.contains("LESSR_JAVA_OPTS=-javaagent:target/lessr.jar"), out);
        assertTrue(!out.contains("\tat "), out);
    }

    @Test
    void sideBySideRunsTheKitAndThePortAndPrintsTheirRatio() throws Exception {
        Path launcher = tmp.resolve("lessr");
        Files.writeString(launcher, "#!/bin/sh\nexec " + String.join(" ", MainAccess.inNewJvm(List.of())) + " \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        String out = run(List.of("/usr/bin/python3", "scripts/bench/side_by_side.py", "--runs", "1", "--what", "diginetica",
                "--batches", "2", "--diginetica-dir", tmp.resolve("diginetica").toString(), "--kit", "kit=" + launcher), 0);
        Matcher m = Pattern.compile("\\bkit ([0-9.]+) s training").matcher(out);
        Matcher p = Pattern.compile("\\bport ([0-9.]+) s training").matcher(out);
        assertTrue(m.find() && p.find(), out);
        double kit = Double.parseDouble(m.group(1));
        double port = Double.parseDouble(p.group(1));
        String ratio = match(out, "(?m)^\\| diginetica preset: 2 training batches \\| [^|]+\\| [^|]+\\| ([0-9.]+) \\(");
        assertEquals(kit / port, Double.parseDouble(ratio), 0.0006 + 0.01 * kit / port, out);
        assertTrue(out.contains("diginetica preset: 2 evaluation batches"), out);
        assertTrue(Pattern.compile("torch \\d+\\.\\d+").matcher(out).find(), out);
    }

    /** The two lanes' numbers of a row of the profile table. */
    private static double[] row(String table, String name) {
        Matcher m = Pattern.compile("(?m)^\\| " + Pattern.quote(name) + " \\| ([0-9.]+)[^|]*\\| ?([0-9.]*)").matcher(table);
        assertTrue(m.find(), name + " in\n" + table);
        return new double[] {Double.parseDouble(m.group(1)), m.group(2).isEmpty() ? 0 : Double.parseDouble(m.group(2))};
    }

    private static String match(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " in\n" + text);
        return m.group(1);
    }

    private static String run(List<String> cmd, int exitCode) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), cmd + " did not end");
        assertEquals(exitCode, p.exitValue(), cmd + ":\n" + out);
        return out;
    }
}

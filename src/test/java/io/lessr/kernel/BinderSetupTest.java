package io.lessr.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code binder/postBuild} as Binder would, in a copy of the repository with a temporary home
 * directory, then executes a notebook with the kernel it installed; the built launcher, {@code java -jar}
 * and the kernel print no JVM warning on the JDK the tests run on.
 */
class BinderSetupTest {
    @TempDir
    Path tmp;

    @Test
    void postBuildInstallsAKernelThatRunsTheNotebooks() throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/jupyter")), "Debian's jupyter is not installed: .ci/run installs it: run scripts/setup-jupyter.sh");
        Path repo = tmp.resolve("repo");
        for (String part : List.of("pom.xml", "src/main", "data", "notebooks", "binder")) {
            io.lessr.TestFiles.copyTree(Path.of(part), repo.resolve(part));
        }
        Path home = Files.createDirectories(tmp.resolve("home"));
        String m2 = System.getProperty("lessr.maven.repo");

        Result build = run(List.of("bash", "binder/postBuild"), repo, home, m2, 900);
        assertEquals(0, build.exit, build.log);
        Path spec = home.resolve(".local/share/jupyter/kernels/lessr-java/kernel.json");
        assertTrue(Files.exists(spec), "the kernelspec is installed in the home directory");
        assertTrue(Files.readString(spec).contains(repo.resolve("target/lessr.jar").toString()), Files.readString(spec));
        // The build's class-data archives: named by the kernelspec and the launcher, and usable (with
        // -Xshare:on a JVM that cannot map its archive refuses to start).
        Path kernelArchive = repo.resolve("target").resolve(KernelMain.CDS_ARCHIVE);
        assertTrue(Files.readString(spec).contains("-XX:SharedArchiveFile=" + kernelArchive), Files.readString(spec));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        assertTrue(Files.readString(spec).contains("\"-XX:TieredStopAtLevel=1\""), "C1 only: " + Files.readString(spec));
        assertTrue(Files.readString(spec).contains("\"" + KernelMain.YOUNG_GENERATION + "\""), "young generation: " + Files.readString(spec));
        assertTrue(Files.readString(spec).contains("\"" + KernelMain.NATIVE_ACCESS + "\""), "native access: " + Files.readString(spec));
        Result kernelStart = run(List.of(java, KernelMain.NATIVE_ACCESS, "-Xshare:on", "-XX:SharedArchiveFile=" + kernelArchive, "-XX:TieredStopAtLevel=1",
                KernelMain.YOUNG_GENERATION, "-cp", repo.resolve("target/lessr.jar").toString(), KernelMain.class.getName(), "--help"), repo, home, m2, 120);
        assertEquals(0, kernelStart.exit, kernelStart.log);
        Result cliStart = run(List.of("sh", "-c", "LESSR_JAVA_OPTS=-Xshare:on target/lessr --help"), repo, home, m2, 120);
        assertEquals(0, cliStart.exit, cliStart.log);
        assertTrue(cliStart.log.contains("train"), cliStart.log);
        // The archives are the building JDK's: any other JDK of this machine starts without them, without a word.
        for (Path other : otherJdks()) {
            String otherJava = other.resolve("bin/java").toString();
            Result foreignCli = run(List.of("sh", "-c", "JAVA=" + otherJava + " target/lessr --version"), repo, home, m2, 120);
            Result foreignKernel = run(List.of(otherJava, KernelMain.NATIVE_ACCESS, "-XX:SharedArchiveFile=" + kernelArchive,
                    "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-cp", repo.resolve("target/lessr.jar").toString(),
                    KernelMain.class.getName(), "--help"), repo, home, m2, 120);
            for (Result r : List.of(foreignCli, foreignKernel)) {
                assertEquals(0, r.exit, other + ": " + r.log);
                assertEquals(List.of(), io.lessr.JvmWarnings.in(r.log), other + " with archives of Java " + System.getProperty("java.version"));
            }
        }

        // What a user runs after the build: the launcher, and java -jar (its manifest enables native access).
        Result train = run(List.of("sh", "-c", "target/lessr train --epochs 1 --save-dir " + tmp.resolve("model")), repo, home, m2, 300);
        assertEquals(0, train.exit, train.log);
        assertEquals(List.of(), io.lessr.JvmWarnings.in(train.log), "train:\n" + train.log);
        Result recommend = run(List.of(java, "-jar", "target/lessr.jar", "recommend", "--model", tmp.resolve("model").toString(),
                "--session", "3,17,5", "-k", "3"), repo, home, m2, 120);
        assertEquals(0, recommend.exit, recommend.log);
        assertEquals(List.of(), io.lessr.JvmWarnings.in(recommend.log), "recommend:\n" + recommend.log);

        Result exec = run(List.of("/usr/bin/jupyter", "nbconvert", "--to", "notebook", "--execute",
                "--ExecutePreprocessor.timeout=900", "--output-dir", tmp.toString(), "notebooks/recommend.ipynb"),
                repo, home, m2, 1200);
        assertEquals(0, exec.exit, exec.log);
        assertTrue(Files.readString(tmp.resolve("recommend.ipynb")).contains("top 10"), "the notebook produced its table");
        assertEquals(List.of(), io.lessr.JvmWarnings.in(exec.log), "the kernel's JVM:\n" + exec.log);
    }

    /** The JDKs under /usr/lib/jvm other than the one running the tests (Debian's links to one counted once). */
    private static List<Path> otherJdks() throws java.io.IOException {
        Path mine = Path.of(System.getProperty("java.home")).toRealPath();
        try (var dirs = Files.list(Path.of("/usr/lib/jvm"))) {
            return dirs.filter(d -> Files.isExecutable(d.resolve("bin/java"))).map(d -> {
                try {
                    return d.toRealPath();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).distinct().filter(d -> !d.equals(mine)).sorted().toList();
        } catch (java.nio.file.NoSuchFileException none) {
            return List.of();
        }
    }

    private record Result(int exit, String log) {}

    private static Result run(List<String> cmd, Path dir, Path home, String m2, int timeoutSeconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("HOME", home.toString());
        // The JDK of the tests builds, installs and runs, as the only Java on a Binder image would.
        String javaHome = System.getProperty("java.home");
        pb.environment().put("JAVA_HOME", javaHome);
        pb.environment().put("PATH", Path.of(javaHome, "bin") + java.io.File.pathSeparator + System.getenv("PATH"));
        pb.environment().remove("JUPYTER_PATH");
        pb.environment().remove("JUPYTER_DATA_DIR");
        pb.environment().put("MAVEN_OPTS", "-Dmaven.repo.local=" + m2); // reuse the downloaded artifacts
        pb.environment().put("LESSR_QUICK", "1");
        pb.environment().put("PYDEVD_DISABLE_FILE_VALIDATION", "1");
        Path log = Files.createTempFile("binder", ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        return new Result(done ? p.exitValue() : -1, text.length() > 6000 ? text.substring(text.length() - 6000) : text);
    }
}

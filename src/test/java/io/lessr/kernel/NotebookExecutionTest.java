package io.lessr.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Executes every notebook of {@code notebooks/} headless with Debian's Jupyter ({@code jupyter
 * nbconvert --execute}) against the kernel, with {@code LESSR_QUICK=1}, and fails on any error or
 * stderr output. The executed walkthrough is exported to HTML and opened in headless Chromium: its
 * loss and metric plots must be drawn (Plotly's SVGs in the page), and a screenshot is saved to
 * {@code target/notebook-screenshots/}.
 */
class NotebookExecutionTest {
    private static final Path JUPYTER = Path.of("/usr/bin/jupyter");
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    static Path tmp;

    @BeforeAll
    static void kernelspec() throws Exception {
        assertTrue(Files.isExecutable(JUPYTER) && run(List.of(JUPYTER.toString(), "nbconvert", "--version"), null, 60).exit == 0,
                "Debian's jupyter-nbconvert is not installed: .ci/run installs it: run scripts/setup-jupyter.sh");
        TestKernelspec.write(tmp.resolve("jupyter"));
    }

    static Stream<String> notebooks() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("notebooks"))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ipynb")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notebooks")
    void runsTopToBottomWithoutErrors(String name) throws Exception {
        Path out = Files.createDirectories(tmp.resolve("executed"));
        long start = System.nanoTime();
        Result r = run(List.of(JUPYTER.toString(), "nbconvert", "--to", "notebook", "--execute",
                "--ExecutePreprocessor.timeout=900", "--output-dir", out.toString(), "notebooks/" + name), null, 1200);
        System.out.printf("%s executed in %.1f s%n", name, (System.nanoTime() - start) / 1e9);
        assertEquals(0, r.exit, r.log);
        // The kernel's own stderr (not a cell's) reaches nbconvert's: no JVM warning on this JDK.
        assertEquals(List.of(), r.jvmWarnings(), "the kernel's JVM on Java " + System.getProperty("java.version"));
        JsonObject nb = JsonParser.parseString(Files.readString(out.resolve(name))).getAsJsonObject();
        List<String> problems = new ArrayList<>();
        int cell = 0;
        for (JsonElement c : nb.getAsJsonArray("cells")) {
            cell++;
            JsonObject o = c.getAsJsonObject();
            if (!o.has("outputs")) {
                continue;
            }
            for (JsonElement output : o.getAsJsonArray("outputs")) {
                JsonObject x = output.getAsJsonObject();
                String type = x.get("output_type").getAsString();
                if (type.equals("error") || type.equals("stream") && x.get("name").getAsString().equals("stderr")) {
                    problems.add("cell " + cell + ": " + x);
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        storedOutputsMatch(name, nb);

        if (name.equals("lessr-walkthrough.ipynb")) {
            plotsAreDrawn(out.resolve(name));
        }
    }

    /**
     * The committed notebook carries the outputs of a run (scripts/store-notebooks.py): no error or stderr
     * output, the same outputs cell by cell as this re-execution (output kinds and MIME types), every plot
     * with its static picture, no inlined Plotly, under 2 MB.
     */
    private void storedOutputsMatch(String name, JsonObject executed) throws Exception {
        Path file = Path.of("notebooks", name);
        assertTrue(Files.size(file) < 2 << 20, name + " is " + Files.size(file) + " bytes, over 2 MB");
        String text = Files.readString(file);
        assertTrue(!text.contains("plotly.js v2"), name + " stores the Plotly library");
        JsonObject stored = JsonParser.parseString(text).getAsJsonObject();
        List<List<String>> storedShape = shape(stored);
        List<List<String>> executedShape = shape(executed);
        assertEquals(executedShape.size(), storedShape.size(), "cells of " + name);
        for (int cell = 0; cell < storedShape.size(); cell++) {
            assertEquals(executedShape.get(cell), storedShape.get(cell), name + " cell " + cell
                    + ": stored outputs differ from a fresh run's; run scripts/store-notebooks.py");
        }
        // What the model looks at: the attention pictures are stored, so that they show without running anything.
        long attentionPictures = 0;
        for (JsonElement c : stored.getAsJsonArray("cells")) {
            JsonObject o = c.getAsJsonObject();
            if (join(o.get("source")).contains("AttentionView.shortcutGraph") && o.has("outputs")) {
                for (JsonElement output : o.getAsJsonArray("outputs")) {
                    JsonObject x = output.getAsJsonObject();
                    attentionPictures += x.has("data") && x.getAsJsonObject("data").has("image/png") ? 1 : 0;
                }
            }
        }
        assertTrue(attentionPictures >= 2, name + " stores " + attentionPictures + " attention pictures");
        for (JsonElement c : stored.getAsJsonArray("cells")) {
            JsonObject o = c.getAsJsonObject();
            for (JsonElement output : o.has("outputs") ? o.getAsJsonArray("outputs") : new com.google.gson.JsonArray()) {
                JsonObject x = output.getAsJsonObject();
                String type = x.get("output_type").getAsString();
                assertTrue(!type.equals("error") && !(type.equals("stream") && x.get("name").getAsString().equals("stderr")),
                        name + " stores an error: " + x);
                if (x.has("data") && x.getAsJsonObject("data").has("text/html")
                        && join(x.getAsJsonObject("data").get("text/html")).contains("lessr_plot_")) {
                    assertTrue(x.getAsJsonObject("data").has("image/png"), "a plot without its picture: " + name);
                    assertTrue(join(x.getAsJsonObject("data").get("text/html")).contains("<img src=\"data:image/png;base64,"),
                            "a plot whose HTML lacks its static picture: " + name);
                }
            }
        }
    }

    /** Per cell: its outputs as "stream:NAME" (consecutive streams of one name merged) or "KIND:MIME,MIME". */
    private static List<List<String>> shape(JsonObject nb) {
        List<List<String>> cells = new ArrayList<>();
        for (JsonElement c : nb.getAsJsonArray("cells")) {
            JsonObject o = c.getAsJsonObject();
            List<String> outputs = new ArrayList<>();
            if (o.has("outputs")) {
                for (JsonElement output : o.getAsJsonArray("outputs")) {
                    JsonObject x = output.getAsJsonObject();
                    String type = x.get("output_type").getAsString();
                    String sig = type.equals("stream") ? "stream:" + x.get("name").getAsString()
                            : type + ":" + (x.has("data") ? String.join(",", new java.util.TreeSet<>(x.getAsJsonObject("data").keySet())) : "");
                    if (!(sig.startsWith("stream:") && !outputs.isEmpty() && outputs.get(outputs.size() - 1).equals(sig))) {
                        outputs.add(sig);
                    }
                }
            }
            cells.add(outputs);
        }
        return cells;
    }

    private static String join(JsonElement text) {
        if (text.isJsonArray()) {
            StringBuilder sb = new StringBuilder();
            text.getAsJsonArray().forEach(e -> sb.append(e.getAsString()));
            return sb.toString();
        }
        return text.getAsString();
    }

    private void plotsAreDrawn(Path executed) throws Exception {
        Path html = tmp.resolve("lessr-walkthrough.html");
        assertEquals(0, run(List.of(JUPYTER.toString(), "nbconvert", "--to", "html", "--output", html.toString(),
                executed.toString()), null, 300).exit);
        assertTrue(Files.isExecutable(CHROMIUM), "Debian's chromium is not installed: .ci/run installs it: run scripts/setup-jupyter.sh");
        List<String> chromium = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + Files.createTempDirectory(tmp, "chromium"),
                "--virtual-time-budget=15000"));
        List<String> dump = new ArrayList<>(chromium);
        dump.addAll(List.of("--dump-dom", html.toUri().toString()));
        Result dom = run(dump, null, 300);
        Matcher m = Pattern.compile("<svg class=\"main-svg\"").matcher(dom.log);
        int svgs = 0;
        while (m.find()) {
            svgs++;
        }
        // Plotly draws each plot as stacked main-svg layers; two plots: loss and metrics.
        assertTrue(svgs >= 4, "the loss and metric plots are drawn (found " + svgs + " Plotly SVG layers)");
        assertTrue(!Pattern.compile("<div id=\"lessr_plot_\\w+\">Plotly is not loaded").matcher(dom.log).find(),
                "Plotly loaded from the notebook itself");
        Path shots = Files.createDirectories(Path.of("target/notebook-screenshots"));
        Path png = shots.resolve("lessr-walkthrough.png").toAbsolutePath();
        List<String> shot = new ArrayList<>(chromium);
        shot.addAll(List.of("--window-size=1200,12000", "--screenshot=" + png, html.toUri().toString()));
        run(shot, null, 300);
        assertTrue(Files.size(png) > 50_000, "a screenshot with content");
        System.out.println("walkthrough screenshot: " + png);
    }

    /** An exit code, what was printed (stderr's tail), and the JVM's warnings among all that stderr had. */
    private record Result(int exit, String log, List<String> jvmWarnings) {}

    private static Result run(List<String> cmd, Path dir, int timeoutSeconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().put("JUPYTER_PATH", tmp.resolve("jupyter").toString());
        pb.environment().put("LESSR_QUICK", "1");
        // Tests reach no host but this one: the walkthrough's download fails fast and it goes on with the embedded data.
        pb.environment().put("LESSR_SAMPLE_URL", "http://127.0.0.1:9/lessr-sample/");
        pb.environment().put("PYDEVD_DISABLE_FILE_VALIDATION", "1");
        Path err = Files.createTempFile(tmp, "stderr", ".log");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String errText = Files.readString(err);
        return new Result(done ? p.exitValue() : -1, out + (out.isEmpty() || errText.isEmpty() ? "" : "\n") + tail(errText),
                io.lessr.JvmWarnings.in(errText));
    }

    private static String tail(String s) {
        return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    }

}

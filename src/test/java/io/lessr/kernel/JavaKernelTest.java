package io.lessr.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.spencerpark.jupyter.kernel.ReplacementOptions;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;
import io.lessr.model.EngineSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JavaKernelTest {
    private static JavaKernel kernel;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        EngineSettings.configureDefaults();
        kernel = new JavaKernel();
    }

    @AfterAll
    static void stop() {
        kernel.onShutdown(false);
    }

    private static String text(DisplayData d) {
        return (String) d.getData(MIMEType.TEXT_PLAIN);
    }

    @Test
    void evaluatesSnippetsInOrderAndShowsTheLastExpression() throws Exception {
        DisplayData d = kernel.eval("int a = 20;\nint b = 22;\na + b");
        assertEquals("42", text(d));
        assertNull(kernel.eval("a + b;"), "a trailing semicolon keeps the value from being shown");
        assertNull(kernel.eval("int c = a * 2;"), "declarations show nothing");
        assertEquals("[1, 2]", text(kernel.eval("List.of(1, 2)")), "java.util is imported");
    }

    @Test
    void theKitIsOnTheClasspathFromTheStart() throws Exception {
        DisplayData d = kernel.eval("io.lessr.graph.SessionGraph.of(new int[] {9, 4, 9}).items().length");
        assertEquals("2", text(d));
    }

    @Test
    void aTablesawTableRendersAsHtmlAndAFigureAsAPlotWithPlotlyInlined() throws Exception {
        kernel.eval("import tech.tablesaw.api.*; import tech.tablesaw.plotly.api.*;");
        kernel.eval("Table t = Table.create(\"scores\", IntColumn.create(\"epoch\", 0, 1, 2), "
                + "DoubleColumn.create(\"hr\", 0.1, 0.3, 0.4));");
        DisplayData table = kernel.eval("t");
        String html = (String) table.getData(MIMEType.TEXT_HTML);
        assertTrue(html.contains("<th>epoch</th>") && html.contains("<td>0.3</td>"), html);
        Renderers.resendPlotly();
        DisplayData figure = kernel.eval("LinePlot.create(\"HR\", t, \"epoch\", \"hr\")");
        String plot = (String) figure.getData(MIMEType.TEXT_HTML);
        assertTrue(plot.contains("Plotly.newPlot"), "draws with Plotly");
        assertTrue(plot.contains("plotly.js v2."), "Plotly itself is inlined, no CDN");
        assertTrue(!plot.contains("<script src="), "no script is fetched from the network");
        String second = (String) kernel.eval("LinePlot.create(\"HR\", t, \"epoch\", \"hr\")").getData(MIMEType.TEXT_HTML);
        assertTrue(second.contains("Plotly.newPlot") && !second.contains("plotly.js v2."), "the library is sent once");
        DisplayData rendered = kernel.eval("render(t, \"text/plain\")");
        assertTrue(text(rendered).contains("epoch"), "render() picks the MIME type");
    }

    @Test
    void theKitsChartsCarryAStaticPictureThatPlotlyReplacesAndImagesArePngs() throws Exception {
        kernel.eval("import tech.tablesaw.api.*;");
        kernel.eval("Table h = Table.create(\"h\", IntColumn.create(\"epoch\", 0, 1, 2), "
                + "DoubleColumn.create(\"mean_loss\", 7.5, 6.1, 5.8), DoubleColumn.create(\"HR@20\", 0.2, 0.4, 0.5));");
        DisplayData chart = kernel.eval("io.lessr.plot.Charts.metrics(h)");
        String html = (String) chart.getData(MIMEType.TEXT_HTML);
        String png = (String) chart.getData(MIMEType.IMAGE_PNG);
        java.awt.image.BufferedImage picture = decodePng(png);
        assertEquals(800, picture.getWidth());
        assertTrue(html.contains("<img src=\"data:image/png;base64," + png + "\""), "the picture sits in the plot's div");
        assertTrue(html.contains(".innerHTML = ''") && html.contains("Plotly.newPlot"), "Plotly replaces it");
        assertTrue(!html.contains("Plotly is not loaded"), "without Plotly the picture stays");

        DisplayData graph = kernel.eval("io.lessr.plot.SessionGraphView.eop(io.lessr.graph.SessionGraph.of(new int[] {4, 2, 4}))");
        java.awt.image.BufferedImage eop = decodePng((String) graph.getData(MIMEType.IMAGE_PNG));
        assertEquals(800, eop.getHeight());
        assertEquals(java.util.Map.of("width", 400, "height", 400), graphMetadata(graph).get("image/png"),
                "shown at half its pixel size");
        // Nodes are the items in ascending order on a circle from the top: item 2 on top, item 4 (the last) below.
        assertEquals(new java.awt.Color(0xa8dadc).getRGB(), eop.getRGB(2 * 212, 2 * 48), "item 2's node");
        assertEquals(new java.awt.Color(0xf4a261).getRGB(), eop.getRGB(2 * 212, 2 * 308), "the last item's node, highlighted");
    }

    private static java.awt.image.BufferedImage decodePng(String base64) throws java.io.IOException {
        return javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(java.util.Base64.getDecoder().decode(base64)));
    }

    @SuppressWarnings("unchecked")
    private static java.util.Map<String, Object> graphMetadata(DisplayData d) throws ReflectiveOperationException {
        java.lang.reflect.Field f = DisplayData.class.getDeclaredField("metadata"); // the base kernel has no getter
        f.setAccessible(true);
        return (java.util.Map<String, Object>) f.get(d);
    }

    @Test
    void anExceptionIsAnErrorWithItsClassMessageAndTrimmedStackAndTheKernelLivesOn() throws Exception {
        kernel.eval("void fail(int n) { if (n == 0) throw new IllegalStateException(\"boom \" + n); fail(n - 1); }");
        Exception e = assertThrows(Exception.class, () -> kernel.eval("fail(2)"));
        List<String> lines = kernel.formatError(e);
        String all = String.join("\n", lines);
        assertTrue(all.contains("java.lang.IllegalStateException: boom 0"), all);
        assertTrue(all.contains("fail"), "user frames stay: " + all);
        assertTrue(!all.contains("jdk.jshell") && !all.contains("SnippetExecutionControl"), "kernel frames go: " + all);
        assertEquals("3", text(kernel.eval("1 + 2")));
    }

    @Test
    void aCompileErrorNamesTheProblem() {
        Exception e = assertThrows(Exception.class, () -> kernel.eval("int x = \"text\";"));
        assertTrue(e.getMessage().contains("incompatible types"), e.getMessage());
    }

    /** Runs {@code cell} on another thread, interrupts it after half a second; the stopped cell's exception and seconds. */
    private static Object[] interruptAfterHalfASecond(String cell) throws Exception {
        return interruptOnceRunning(cell, () -> true);
    }

    /** As {@link #interruptAfterHalfASecond}, once {@code running} also holds (polled for up to 60 s). */
    private static Object[] interruptOnceRunning(String cell, java.util.function.BooleanSupplier running) throws Exception {
        CompletableFuture<Exception> result = CompletableFuture.supplyAsync(() -> {
            try {
                kernel.eval(cell);
                return null;
            } catch (Exception e) {
                return e;
            }
        });
        Thread.sleep(500);
        for (long deadline = System.nanoTime() + 60_000_000_000L; !running.getAsBoolean() && System.nanoTime() < deadline; ) {
            Thread.sleep(50);
        }
        long start = System.nanoTime();
        kernel.interrupt();
        Exception e = result.get(20, TimeUnit.SECONDS);
        return new Object[] {e, (System.nanoTime() - start) / 1e9};
    }

    @Test
    void interruptStopsSleepingBusyRecursiveAndStubbornCellsOnThisJdk() throws Exception {
        kernel.eval("int deep(int n) { return n == 0 ? 0 : 1 + deep(n - 1) + deep(n - 1); }");
        kernel.eval("class Spinner { long spin() { long s = 0; while (true) { s++; } } }");
        kernel.eval("String kept = \"still here\";");
        // The grace period lets a cell stop by itself first; then the stop checks compiled into the cell end it.
        double hardStop = 3.0 + 2.0;
        List<String[]> cells = List.of(
                new String[] {"while (true) { Thread.sleep(5); }", "0.5"},                         // the interrupt ends the sleep
                new String[] {"long spin = 0; while (true) { spin++; }", "hard"},                   // a backward branch
                new String[] {"deep(64)", "hard"},                                                   // method entries, no loop in the cell
                new String[] {"LongStream.iterate(0, i -> i + 1).filter(i -> i < 0).findFirst()", "hard"}, // the JDK's loop, the cell's lambda
                new String[] {"while (true) { try { Thread.sleep(1); } catch (InterruptedException e) { } }", "hard"}, // swallows interrupts
                new String[] {"new Spinner().spin()", "hard"},                                      // a cell's class
                new String[] {"try { while (true) { } } catch (Exception e) { }", "hard"});          // catch (Exception) lets the stop pass
        for (String[] c : cells) {
            Object[] stopped = interruptAfterHalfASecond(c[0]);
            Exception e = (Exception) stopped[0];
            double seconds = (double) stopped[1];
            System.out.printf("Java %s: interrupted '%s' in %.2f s%n", System.getProperty("java.version"), c[0], seconds);
            assertNotNull(e, "the cell was stopped: " + c[0]);
            assertTrue(e instanceof InterruptedException || e.getMessage().contains("nterrupted"), c[0] + ": " + e);
            assertTrue(seconds < (c[1].equals("hard") ? hardStop : Double.parseDouble(c[1]) + 1.0), c[0] + " took " + seconds + " s");
            assertEquals("5", text(kernel.eval("2 + 3")), "the kernel survives " + c[0]);
        }
        assertEquals("still here", text(kernel.eval("kept")), "what earlier cells made is kept");
        assertEquals("42", text(kernel.eval("new Spinner() { long spin() { return 42; } }.spin()")), "a cell's class still works");
    }

    @Test
    void interruptStopsTrainingBetweenBatchesAndTheModelStaysUsable() throws Exception {
        kernel.eval("import io.lessr.data.*; import io.lessr.model.*; import io.lessr.train.*; import ai.djl.ndarray.*;");
        kernel.eval("var spec = RunSpec.walkthrough().toBuilder().datasetDir(\"data/synthetic\").epochs(1000).numWorkers(1).build();\n"
                + "var data = SessionDataset.read(Path.of(spec.datasetDir()));\n"
                + "var trainManager = NDManager.newBaseManager();\n"
                + "var model = Lessr.create(spec.config(data.numItems()), trainManager, spec.seed());\n"
                + "var out = new ByteArrayOutputStream();\n"
                + "var runner = new TrainRunner(model, trainManager, new AugmentedDataset(data.trainSessions()),\n"
                + "        new AugmentedDataset(data.testSessions()), spec, new PrintStream(out));");
        // The listener says when batches run, so that a slow machine's interrupt still lands in the batch loop.
        System.clearProperty("lessr.test.batches");
        kernel.eval("runner.listener(new TrainRunner.Listener() {\n"
                + "    public void onBatch(int epoch, int batch, int numBatches, float loss) { System.setProperty(\"lessr.test.batches\", \"yes\"); }\n"
                + "});");
        Object[] stopped = interruptOnceRunning("runner.train()", () -> System.getProperty("lessr.test.batches") != null);
        Exception e = (Exception) stopped[0];
        double seconds = (double) stopped[1];
        System.out.printf("Java %s: interrupted training in %.2f s%n", System.getProperty("java.version"), seconds);
        assertNotNull(e, "training was stopped");
        assertTrue(e.getMessage().contains("training interrupted at batch"), "stopped between batches: " + e.getMessage());
        assertTrue(seconds < 3.0, "by the interrupt, within the grace period: " + seconds + " s");
        String evaluated = text(kernel.eval("runner.evaluate().get(\"HR@20\") >= 0"));
        assertEquals("true", evaluated, "the interrupted model evaluates");
        kernel.eval("trainManager.close();");
    }

    @Test
    void magicsAddJarsAndClasspathAndLoadFiles() throws Exception {
        Path snippet = tmp.resolve("helpers.jsh");
        Files.writeString(snippet, "int triple(int x) { return 3 * x; }\n");
        assertEquals("21", text(kernel.eval("%load " + snippet + "\ntriple(7)")));
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        assertNull(kernel.eval("%classpath " + classes));
        Exception missing = assertThrows(Exception.class, () -> kernel.eval("%classpath " + tmp.resolve("nope")));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        Exception noJar = assertThrows(Exception.class, () -> kernel.eval("%jars " + tmp + "/*.jar"));
        assertTrue(noJar.getMessage().contains("no jar file matches"), noJar.getMessage());
        Exception badMaven = assertThrows(Exception.class, () -> kernel.eval("%maven not-a-coordinate"));
        assertTrue(badMaven.getMessage().contains("group:artifact:version"), badMaven.getMessage());
        Exception unknown = assertThrows(Exception.class, () -> kernel.eval("%nosuchmagic"));
        assertTrue(unknown.getMessage().contains("unknown magic"), unknown.getMessage());
    }

    @Test
    void completionInspectionAndIsComplete() {
        kernel.shell().eval("String greeting = \"hi\";");
        ReplacementOptions options = kernel.complete("greeting.toUpp", 14);
        assertNotNull(options);
        assertTrue(options.getReplacements().stream().anyMatch(r -> r.startsWith("toUpperCase(")), options.getReplacements().toString());
        assertEquals(9, options.getSourceStart());
        DisplayData doc = kernel.inspect("greeting.length()", 16, false);
        assertNotNull(doc);
        assertTrue(text(doc).contains("length()"), text(doc));
        assertEquals("complete", kernel.isComplete("int q = 1;"));
        assertEquals("    ", kernel.isComplete("for (int i = 0; i < 3; i++) {"));
        assertEquals("invalid", kernel.isComplete("int 9x = ;"));
    }

    @Test
    void historyListsExecutedCells() throws Exception {
        kernel.eval("int remembered = 5;");
        kernel.eval("remembered * 2");
        var tail = kernel.getHistoryManager().lookupTail(2, java.util.EnumSet.of(
                io.github.spencerpark.jupyter.kernel.history.HistoryManager.ResultFlag.INCLUDE_OUTPUT));
        assertEquals("int remembered = 5;", tail.get(0).getInput());
        assertEquals("10", tail.get(1).getOutput());
    }
}

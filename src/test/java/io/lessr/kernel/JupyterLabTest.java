package io.lessr.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The kernel in real front ends, driven like a user with Selenium in headless Chromium: JupyterLab 4, as
 * Debian 13 packages it, runs the walkthrough (Run All), completes, inspects, interrupts and restarts;
 * Debian's classic Notebook 6 runs the walkthrough too. Screenshots go to {@code target/jupyterlab-screenshots/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JupyterLabTest {
    static final Path SHOTS = Path.of("target/jupyterlab-screenshots");

    @TempDir
    static Path tmp;

    static LabFrontEnd lab;
    static WebDriver browser;

    @BeforeAll
    static void start() throws Exception {
        lab = LabFrontEnd.jupyterLab(tmp.resolve("lab"));
        System.out.println("JupyterLab 4 served from " + lab.where + ", the kernel on Java " + System.getProperty("java.version"));
        Files.createDirectories(SHOTS);
        browser = chromium();
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (lab != null) {
            lab.close();
        }
    }

    /** Debian's Chromium and its driver, named explicitly: nothing is looked up or fetched. */
    static WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-default-apps", "--disable-dev-shm-usage");
        // The console's messages, for a failed wait's diagnosis (consoleErrors).
        options.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile()).build();
        return new ChromeDriver(service, options);
    }

    /** The browser console's warnings and errors so far (a front end that drops a kernel message says so there). */
    static List<String> consoleErrors(WebDriver browser) {
        try {
            return browser.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll().stream()
                    .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue())
                    .map(e -> e.getMessage().length() > 300 ? e.getMessage().substring(0, 300) + "..." : e.getMessage())
                    .limit(10).toList();
        } catch (RuntimeException unavailable) {
            return List.of("(no console log: " + unavailable.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    private static JavascriptExecutor js() {
        return (JavascriptExecutor) browser;
    }

    private static <T> T waitFor(Duration timeout, Function<WebDriver, T> condition) {
        try {
            return new WebDriverWait(browser, timeout, Duration.ofMillis(200)).until(condition);
        } catch (org.openqa.selenium.TimeoutException e) {
            try {
                shot("timeout-" + System.nanoTime());
            } catch (Exception ignored) {
                // the timeout is the news
            }
            System.err.println(lab.diagnostics());
            throw new AssertionError("timed out; status bar: " + kernelStatus() + "; prompts: " + prompts()
                    + "\nbrowser console: " + consoleErrors(browser) + "\n" + lab.summary(), e);
        }
    }

    private static long count(String css) {
        return ((Number) js().executeScript("return document.querySelectorAll(arguments[0]).length;", css)).longValue();
    }

    private static void shot(String name) throws Exception {
        Path png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(png, SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Opens a notebook in a fresh workspace and waits until it is the current document and its own kernel
     * (not another open notebook's) is idle.
     */
    private static void open(String path) {
        browser.get(lab.url("/lab/tree/" + path + "?reset"));
        waitFor(Duration.ofSeconds(60), d -> Boolean.TRUE.equals(js().executeScript("return !!window.jupyterapp;")));
        waitFor(Duration.ofSeconds(90), d -> Boolean.TRUE.equals(js().executeScript(
                "const w = window.jupyterapp.shell.currentWidget;"
                        + " const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;"
                        + " return !!(w && w.context && w.context.path === arguments[0] && k && k.name === 'lessr-java'"
                        + " && k.status === 'idle');", path)));
    }

    /** The status bar's text, e.g. "... Java (LESSR kit, test) | Idle ...". */
    private static String kernelStatus() {
        Object s = js().executeScript("const bar = document.getElementById('jp-main-statusbar')"
                + " || document.querySelector('.jp-StatusBar-Widget'); return bar ? bar.textContent : '';");
        return String.valueOf(s);
    }

    /** Runs a JupyterLab command without waiting for it (running a cell resolves when the cell ends). */
    private static void command(String id) {
        js().executeScript("window.jupyterapp.commands.execute(arguments[0]); return null;", id);
    }

    /** The prompts of the open notebook's code cells, e.g. "[1]:", "[*]:", "[ ]:". */
    @SuppressWarnings("unchecked")
    private static List<String> prompts() {
        return (List<String>) js().executeScript("return Array.from(document.querySelectorAll("
                + "'.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt')).map(e => e.textContent.trim());");
    }

    /** Whether every code cell of the open notebook has run: its model's count, whether or not the cell is in the page. */
    private static boolean allRan() {
        return Boolean.TRUE.equals(js().executeScript("const cells = window.jupyterapp.shell.currentWidget.content.widgets"
                + ".filter(w => w.model.type === 'code');"
                + " return cells.length > 0 && cells.every(w => typeof w.model.executionCount === 'number');"));
    }

    /**
     * JupyterLab 4 puts cells outside the viewport into the page when the CPU is idle ("defer" windowing): wait
     * until every cell of the open notebook is there before counting what the page shows.
     */
    private static void waitForEveryCellInThePage() {
        waitFor(Duration.ofSeconds(90), d -> Boolean.TRUE.equals(js().executeScript(
                "return window.jupyterapp.shell.currentWidget.content.widgets.every(w => w.isAttached && w.node.isConnected);")));
    }

    private static void clickMenu(String menu, String item) {
        browser.findElements(By.cssSelector(".lm-MenuBar-itemLabel")).stream()
                .filter(e -> e.getText().equals(menu)).findFirst().orElseThrow().click();
        waitFor(Duration.ofSeconds(10), d -> d.findElements(By.cssSelector(".lm-Menu-itemLabel")).stream()
                .filter(e -> e.getText().equals(item) && e.isDisplayed()).findFirst().orElse(null)).click();
    }

    @Test
    @Order(0)
    void theStoredWalkthroughShowsItsPicturesBeforeAnythingRuns() throws Exception {
        open("notebooks/lessr-walkthrough.ipynb");
        waitForEveryCellInThePage();
        shot("lab-opened");
        // Opened from disk the notebook is untrusted: no script runs, the HTML is sanitised.
        long pictures = count(".jp-OutputArea-output img[src^='data:image/png']");
        System.out.println("stored pictures shown untrusted: " + pictures + ", Plotly layers: " + count("svg.main-svg"));
        assertEquals(0, count("svg.main-svg"), "no plot script ran");
        assertTrue(pictures >= 4, "the two graphs and the two charts' static pictures show: " + pictures);
        WebElement chart = browser.findElements(By.cssSelector(".jp-OutputArea-output img[src^='data:image/png']")).get(3);
        js().executeScript("arguments[0].scrollIntoView({block: 'center'});", chart);
        shot("lab-stored-untrusted-chart");
    }

    @Test
    @Order(1)
    void runAllDrawsTheWalkthroughWithoutErrors() throws Exception {
        open("notebooks/lessr-walkthrough.ipynb");
        assertTrue(kernelStatus().contains("Java (LESSR kit"), "the notebook's kernel is chosen: " + kernelStatus());
        command("notebook:clear-all-cell-outputs"); // the stored outputs' prompts must not count as done
        waitFor(Duration.ofSeconds(20), d -> prompts().stream().noneMatch(p -> p.matches("\\[\\d+\\]:")));
        long start = System.nanoTime();
        clickMenu("Run", "Run All Cells");
        waitFor(Duration.ofMinutes(6), d -> allRan() && kernelStatus().contains("Idle"));
        System.out.printf("JupyterLab ran the walkthrough in %.0f s%n", (System.nanoTime() - start) / 1e9);
        waitForEveryCellInThePage();
        assertEquals(0, count(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"),
                "no error or stderr output");
        assertTrue(count(".jp-RenderedHTMLCommon table") >= 5, "tables render as tables");
        assertTrue(count(".jp-RenderedImage img") >= 2, "the session graph pictures are drawn");
        waitFor(Duration.ofSeconds(30), d -> count("svg.main-svg") >= 4); // Plotly: two plots, layered SVGs
        List<Long> highlighted = highlightedTokens();
        System.out.println("highlighted keywords and strings: " + highlighted);
        assertTrue(highlighted.get(0) > 20 && highlighted.get(1) > 5, "Java syntax is highlighted: " + highlighted);
        WebElement plot = browser.findElements(By.cssSelector("svg.main-svg")).get(0);
        js().executeScript("arguments[0].scrollIntoView({block: 'center'});", plot);
        shot("lab-walkthrough-plots");
        WebElement graphs = browser.findElements(By.cssSelector(".jp-RenderedImage img")).get(0);
        js().executeScript("arguments[0].scrollIntoView({block: 'start'});", graphs);
        shot("lab-walkthrough-graphs");
        WebElement model = browser.findElements(By.cssSelector(".jp-RenderedHTMLCommon table")).get(3);
        js().executeScript("arguments[0].scrollIntoView({block: 'start'});", model);
        shot("lab-walkthrough-tables");
    }

    /** A notebook with the kit imported, for typing into. */
    private static void openScratch() throws Exception {
        Path nb = lab.root.resolve("notebooks/scratch.ipynb");
        Files.writeString(nb, "{\"cells\": [{\"cell_type\": \"code\", \"execution_count\": null, \"metadata\": {}, \"outputs\": [],"
                + " \"source\": \"import io.lessr.graph.*; import io.lessr.model.*;\"},"
                + " {\"cell_type\": \"code\", \"execution_count\": null, \"metadata\": {}, \"outputs\": [], \"source\": \"\"}],"
                + " \"metadata\": {\"kernelspec\": {\"display_name\": \"Java (LESSR kit)\", \"language\": \"java\", \"name\": \"lessr-java\"}},"
                + " \"nbformat\": 4, \"nbformat_minor\": 5}");
        open("notebooks/scratch.ipynb");
        command("notebook:run-all-cells");
        waitFor(Duration.ofSeconds(60), d -> prompts().get(0).equals("[1]:") && kernelStatus().contains("Idle"));
    }

    /**
     * How many spans of the code cells' editors are drawn in the theme's keyword colour and in its string
     * colour (CodeMirror 6 styles tokens through generated classes, so colours are what can be checked).
     */
    @SuppressWarnings("unchecked")
    private static List<Long> highlightedTokens() {
        return (List<Long>) js().executeScript("const probe = document.createElement('span'); document.body.appendChild(probe);"
                + " const colour = v => { probe.style.color = 'var(' + v + ')'; return getComputedStyle(probe).color; };"
                + " const keyword = colour('--jp-mirror-editor-keyword-color'), string = colour('--jp-mirror-editor-string-color');"
                + " probe.remove();"
                + " const spans = Array.from(document.querySelectorAll('.jp-CodeCell .cm-content span'));"
                + " const n = c => spans.filter(s => getComputedStyle(s).color === c).length;"
                + " return [n(keyword), n(string)];");
    }

    private static String cellText() {
        return String.valueOf(js().executeScript("return window.jupyterapp.shell.currentWidget.content.activeCell.model.sharedModel.getSource();"));
    }

    private static void setCellText(String text) {
        js().executeScript("window.jupyterapp.shell.currentWidget.content.activeCell.model.sharedModel.setSource(arguments[0]);", text);
    }

    /** Types {@code text} into the last cell's editor and returns the editor. */
    private static WebElement typeInLastCell(CharSequence... text) {
        List<WebElement> editors = browser.findElements(By.cssSelector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .cm-content"));
        WebElement editor = editors.get(editors.size() - 1);
        editor.click();
        new Actions(browser).sendKeys(text).perform();
        return editor;
    }

    private static String runLastCell(String code, Duration timeout) {
        js().executeScript("const p = window.jupyterapp.shell.currentWidget; const nb = p.content;"
                + " nb.activeCellIndex = nb.widgets.length - 1; nb.activeCell.model.sharedModel.setSource(arguments[0]);", code);
        command("notebook:run-cell");
        long cells = count(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell");
        waitFor(timeout, d -> {
            List<String> p = prompts();
            return p.size() >= cells && p.get((int) cells - 1).matches("\\[\\d+\\]:") && kernelStatus().contains("Idle");
        });
        Object out = js().executeScript("const cells = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell');"
                + " return cells[cells.length - 1].querySelector('.jp-OutputArea').textContent;");
        return String.valueOf(out);
    }

    @Test
    @Order(2)
    void tabCompletesAndShiftTabInspects() throws Exception {
        openScratch();
        typeInLastCell("SessionGr", Keys.TAB);
        // One match is inserted as it is; several open the completer's list. The kernel's first completion
        // waits for JShell to index the class path (the tests' is hundreds of jars): on a busy machine that
        // outlasts JupyterLab's wait for the reply, and a user presses Tab again.
        java.util.function.Function<WebDriver, Boolean> completed = d -> cellText().equals("SessionGraph")
                || d.findElements(By.cssSelector(".jp-Completer")).stream().anyMatch(c -> c.isDisplayed() && c.getText().contains("SessionGraph"));
        for (int press = 1; press < 4 && !completed.apply(browser); press++) {
            try {
                new WebDriverWait(browser, Duration.ofSeconds(20), Duration.ofMillis(200)).until(completed);
            } catch (org.openqa.selenium.TimeoutException notYet) {
                System.out.println("Tab pressed again after 20 s without a completion");
                typeInLastCell(Keys.END, Keys.TAB);
            }
        }
        waitFor(Duration.ofSeconds(20), completed);
        shot("lab-completion");
        new Actions(browser).sendKeys(Keys.ESCAPE).perform();
        setCellText("Lessr");
        typeInLastCell(Keys.END);
        new Actions(browser).keyDown(Keys.SHIFT).sendKeys(Keys.TAB).keyUp(Keys.SHIFT).perform();
        WebElement tooltip = waitFor(Duration.ofSeconds(40), d -> d.findElements(By.cssSelector(".jp-Tooltip")).stream()
                .filter(WebElement::isDisplayed).findFirst().orElse(null));
        waitFor(Duration.ofSeconds(10), d -> tooltip.getText().contains("Lessr"));
        shot("lab-inspector");
        new Actions(browser).sendKeys(Keys.ESCAPE).perform();
    }

    @Test
    @Order(3)
    void theStopButtonInterruptsSleepingAndBusyCellsAndTheKernelGoesOn() throws Exception {
        for (String cell : List.of("Thread.sleep(60_000);", "long spins = 0; while (true) { spins++; }")) {
            command("notebook:insert-cell-below");
            setCellText(cell);
            command("notebook:run-cell");
            waitFor(Duration.ofSeconds(20), d -> prompts().contains("[*]:") && kernelStatus().contains("Busy"));
            Thread.sleep(1000);
            long start = System.nanoTime();
            browser.findElements(By.cssSelector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar [title^='Interrupt']"))
                    .stream().filter(WebElement::isDisplayed).findFirst().orElseThrow().click(); // the stop button
            waitFor(Duration.ofSeconds(10), d -> !prompts().contains("[*]:") && kernelStatus().contains("Idle"));
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("JupyterLab 4, Java %s: interrupted '%s' in %.1f s%n", System.getProperty("java.version"), cell, seconds);
            assertTrue(seconds < 5, cell + " stopped within 5 s, took " + seconds);
        }
        shot("lab-interrupted");
        command("notebook:insert-cell-below");
        assertTrue(runLastCell("6 * 7", Duration.ofSeconds(30)).contains("42"), "the kernel runs the next cell");
    }

    @Test
    @Order(4)
    void restartThenRunAgain() throws Exception {
        // Watch the kernel go through a restart. "idle" alone does not end it: the old kernel answers the
        // server's shutdown request with busy and idle on the old connection. JupyterLab reconnects when
        // the server's restart is done: wait for that connection, then for idle on it.
        js().executeScript("window.lessrRestart = []; const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;"
                + " k.statusChanged.connect((_, s) => window.lessrRestart.push('status:' + s));"
                + " k.connectionStatusChanged.connect((_, s) => window.lessrRestart.push('connection:' + s));");
        command("kernelmenu:restart");
        WebElement dialog = waitFor(Duration.ofSeconds(20), d -> d.findElements(By.cssSelector(".jp-Dialog-content"))
                .stream().filter(e -> e.isDisplayed() && e.getText().contains("Restart")).findFirst().orElse(null));
        dialog.findElement(By.cssSelector(".jp-Dialog-button.jp-mod-accept")).click();
        waitFor(Duration.ofSeconds(90), d -> Boolean.TRUE.equals(js().executeScript(
                "const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel; const seen = window.lessrRestart;"
                        + " const restarted = seen.indexOf('status:restarting');"
                        + " const reconnected = seen.lastIndexOf('connection:connected');"
                        + " return restarted >= 0 && reconnected > restarted && seen.slice(reconnected).includes('status:idle')"
                        + " && k.name === 'lessr-java' && k.status === 'idle' && k.connectionStatus === 'connected';")));
        System.out.println("restart seen by the front end: " + js().executeScript("return window.lessrRestart.join(' ');"));
        command("notebook:insert-cell-below");
        assertTrue(runLastCell("io.lessr.graph.SessionGraph.of(new int[] {4, 2, 4}).items().length", Duration.ofSeconds(60))
                .contains("2"), "a cell runs in the restarted kernel");
        shot("lab-restarted");
    }

    @Test
    @Order(5)
    void theKernelsPrintedNoJvmWarning() throws Exception {
        // Every kernel this server started (the first and the restarted one) wrote its stderr into the server's log.
        assertEquals(List.of(), io.lessr.JvmWarnings.in(lab.log()), "Java " + System.getProperty("java.version"));
    }
}

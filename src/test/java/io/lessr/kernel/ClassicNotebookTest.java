package io.lessr.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The walkthrough in Debian's classic Notebook 6 (Binder images and older installs still run it). */
class ClassicNotebookTest {
    @TempDir
    Path tmp;

    @Test
    void runsTheWalkthroughAndDrawsItsPlots() throws Exception {
        try (LabFrontEnd notebook = LabFrontEnd.classicNotebook(tmp)) {
            WebDriver browser = JupyterLabTest.chromium();
            try {
                JavascriptExecutor js = (JavascriptExecutor) browser;
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(90), Duration.ofMillis(200));
                browser.get(notebook.url("/notebooks/notebooks/lessr-walkthrough.ipynb"));
                wait.until(d -> Boolean.TRUE.equals(js.executeScript("return !!(window.Jupyter && Jupyter.notebook"
                        + " && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected());")));
                assertEquals("lessr-java", js.executeScript("return Jupyter.notebook.kernel.name;"));
                // Opened from disk the stored notebook is untrusted: its pictures must show all the same.
                long pictures = count(js, ".output_subarea img[src^='data:image/png']");
                assertTrue(pictures >= 4, "the stored graphs and static chart pictures show untrusted: " + pictures);
                js.executeScript("Jupyter.notebook.clear_all_output(); Jupyter.notebook.execute_all_cells();");
                long start = System.nanoTime();
                try {
                    new WebDriverWait(browser, Duration.ofMinutes(6), Duration.ofMillis(500)).until(d -> {
                        // A failed cell is the news at once, not after the whole wait.
                        if (count(js, ".output_error") > 0) {
                            throw new AssertionError("a cell failed: " + js.executeScript(
                                    "return document.querySelector('.output_error').textContent;") + "\n" + state(js));
                        }
                        return Boolean.TRUE.equals(js.executeScript(
                                "return Jupyter.notebook.get_cells().filter(c => c.cell_type === 'code')"
                                        + ".every(c => typeof c.input_prompt_number === 'number')"
                                        + " && Jupyter.notebook.kernel_busy === false;"));
                    });
                } catch (org.openqa.selenium.TimeoutException e) {
                    throw new AssertionError("the walkthrough did not end within 6 minutes: " + state(js)
                            + "\nbrowser console: " + JupyterLabTest.consoleErrors(browser) + "\n" + notebook.summary(), e);
                }
                System.out.printf("classic Notebook ran the walkthrough in %.0f s%n", (System.nanoTime() - start) / 1e9);
                assertEquals(0L, count(js, ".output_stderr, .output_error"), "no error or stderr output");
                assertTrue(count(js, ".output_html table") >= 5, "tables render as tables");
                assertTrue(count(js, ".output_png img") >= 2, "the session graph pictures are drawn");
                new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> count(js, "svg.main-svg") >= 4);
                js.executeScript("document.querySelector('svg.main-svg').scrollIntoView({block: 'center'});");
                Path png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
                Files.createDirectories(JupyterLabTest.SHOTS);
                Files.copy(png, JupyterLabTest.SHOTS.resolve("classic-walkthrough-plots.png"), StandardCopyOption.REPLACE_EXISTING);
            } finally {
                browser.quit();
            }
        }
    }

    /** The code cells' prompts ("*" while queued or running) and whether the notebook thinks the kernel is busy. */
    private static String state(JavascriptExecutor js) {
        return String.valueOf(js.executeScript("const cells = Jupyter.notebook.get_cells().filter(c => c.cell_type === 'code');"
                + " return 'prompts ' + JSON.stringify(cells.map(c => c.input_prompt_number === undefined ? null : c.input_prompt_number))"
                + " + ', kernel busy ' + Jupyter.notebook.kernel_busy"
                + " + ', first cell not done: ' + ((cells.find(c => typeof c.input_prompt_number !== 'number') || {get_text: () => 'none'})"
                + ".get_text().slice(0, 200));"));
    }

    private static long count(JavascriptExecutor js, String css) {
        return ((Number) js.executeScript("return document.querySelectorAll(arguments[0]).length;", css)).longValue();
    }
}

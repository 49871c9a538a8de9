package io.lessr.kernel;

import io.github.spencerpark.jupyter.kernel.display.Renderer;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;

import io.lessr.plot.ChartFigure;
import io.lessr.plot.Picture;

import java.awt.image.RenderedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;
import javax.imageio.ImageIO;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** Rich display of the kit's values: Tablesaw tables as HTML, Tablesaw figures as Plotly plots. */
final class Renderers {
    private static volatile String plotlyScript;
    private static final AtomicBoolean plotlySent = new AtomicBoolean();

    private Renderers() {}

    static void register(Renderer renderer) {
        renderer.createRegistration(Table.class)
                .preferring(MIMEType.TEXT_HTML)
                .supporting(MIMEType.TEXT_PLAIN)
                .register((table, ctx) -> {
                    ctx.renderIfRequested(MIMEType.TEXT_HTML, () -> tableHtml(table));
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> table.print());
                });
        renderer.createRegistration(Figure.class)
                .preferring(MIMEType.TEXT_HTML, MIMEType.IMAGE_PNG, MIMEType.TEXT_PLAIN)
                .register((figure, ctx) -> {
                    String png = figure instanceof ChartFigure chart ? png(chart.image()) : null;
                    ctx.renderIfRequested(MIMEType.TEXT_HTML, () -> figureHtml(figure, png));
                    if (png != null) {
                        ctx.renderIfRequested(MIMEType.IMAGE_PNG, () -> png);
                    }
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> "figure: " + title(figure));
                });
        renderer.createRegistration(Picture.class)
                .preferring(MIMEType.IMAGE_PNG, MIMEType.TEXT_PLAIN)
                .register((picture, ctx) -> {
                    ctx.renderIfRequested(MIMEType.IMAGE_PNG, () -> png(picture.image()));
                    ctx.getOutputContainer().putMetaData(MIMEType.IMAGE_PNG,
                            Map.of("width", picture.width(), "height", picture.height()));
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> "picture " + picture.width() + "x" + picture.height());
                });
        renderer.createRegistration(RenderedImage.class)
                .preferring(MIMEType.IMAGE_PNG, MIMEType.TEXT_PLAIN)
                .register((image, ctx) -> {
                    ctx.renderIfRequested(MIMEType.IMAGE_PNG, () -> png(image));
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> "image " + image.getWidth() + "x" + image.getHeight());
                });
    }

    /** Base64 PNG, as Jupyter carries images. */
    static String png(RenderedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    /** An HTML table, at most 50 rows (the first and last 25 when longer), as Jupyter shows data frames. */
    static String tableHtml(Table table) {
        StringBuilder sb = new StringBuilder("<table class=\"dataframe\">");
        if (table.name() != null && !table.name().isBlank()) {
            sb.append("<caption>").append(escape(table.name())).append("</caption>");
        }
        sb.append("<thead><tr>");
        for (String name : table.columnNames()) {
            sb.append("<th>").append(escape(name)).append("</th>");
        }
        sb.append("</tr></thead><tbody>");
        int rows = table.rowCount();
        for (int r = 0; r < rows; r++) {
            if (rows > 50 && r == 25) {
                sb.append("<tr><td colspan=\"").append(table.columnCount()).append("\">... ")
                        .append(rows - 50).append(" more rows ...</td></tr>");
                r = rows - 25;
            }
            sb.append("<tr>");
            for (int c = 0; c < table.columnCount(); c++) {
                sb.append("<td>").append(escape(table.getString(r, c))).append("</td>");
            }
            sb.append("</tr>");
        }
        return sb.append("</tbody></table><p>").append(rows).append(" rows x ")
                .append(table.columnCount()).append(" columns</p>").toString();
    }

    /** Marks the inlined Plotly library, so that stored notebooks can leave it out (scripts/store-notebooks.py). */
    static final String LIBRARY_START = "/*<lessr-plotly-library>*/";
    static final String LIBRARY_END = "/*</lessr-plotly-library>*/";

    /**
     * A figure as a {@code <div>} and the script that draws it. Plotly itself comes from the kit's jar
     * (the npm package plotly.js-dist-min) and is inlined into the first figure of a kernel session
     * (4.5 MB, once), so plots draw without network access; later figures wait for it.
     *
     * <p>The {@code <div>} first holds the figure's static picture ({@code png}, base64; null for a
     * figure without one), which Plotly replaces when scripts run; where they do not (GitHub, nbviewer,
     * an untrusted notebook, a stored notebook whose Plotly copy was left out) the picture stays.
     */
    static String figureHtml(Figure figure, String png) {
        String div = "lessr_plot_" + UUID.randomUUID().toString().replace('-', '_'); // Tablesaw makes it a JS variable name
        String library = plotlySent.getAndSet(true) ? ""
                : LIBRARY_START + "if (!window.Plotly) {\n" + plotly() + "\n}" + LIBRARY_END + "\n";
        String picture = png == null ? ""
                : "<img src=\"data:image/png;base64," + png + "\" alt=\"" + escape(title(figure)) + "\" style=\"max-width:100%\">";
        String fallback = png == null
                ? "document.getElementById('" + div + "').textContent ="
                        + " 'Plotly is not loaded: run the notebook from its first plot, or restart the kernel and run all.';"
                : ""; // the static picture stays
        return "<div id=\"" + div + "\">" + picture + "</div>\n"
                + "<script>\n(function() {\n"
                + library
                + "function draw() {\n"
                + "document.getElementById('" + div + "').innerHTML = '';\n"
                + figure.asJavascript(div).replaceAll("(?s)</?script[^>]*>", "") + "\n}\n"
                + "var tries = 0;\n"
                + "(function wait() {\n"
                + "  if (window.Plotly) { draw(); }\n"
                + "  else if (++tries < 100) { setTimeout(wait, 50); }\n"
                + "  else { " + fallback + " }\n"
                + "})();\n"
                + "})();\n</script>";
    }

    private static String title(Figure figure) {
        Layout layout = figure.getLayout();
        return layout != null && layout.getTitle() != null ? layout.getTitle() : "chart";
    }

    /** Inlines Plotly again with the next figure (a new page, such as an exported notebook, needs it). */
    static void resendPlotly() {
        plotlySent.set(false);
    }

    private static String plotly() {
        String s = plotlyScript;
        if (s == null) {
            try (InputStream in = Renderers.class.getResourceAsStream("/lessr/plotly.min.js")) {
                if (in == null) {
                    throw new IllegalStateException("plotly.min.js is missing from the kit's jar");
                }
                // Make the bundle define window.Plotly even where a module loader (require.js) exists.
                s = "(function(define, module, exports) {\n"
                        + new String(in.readAllBytes(), StandardCharsets.UTF_8)
                        + "\n}).call(window, undefined, undefined, undefined);";
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            plotlyScript = s;
        }
        return s;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}

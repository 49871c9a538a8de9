package io.lessr.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.traces.ScatterTrace;
import tech.tablesaw.plotly.traces.Trace;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;

/**
 * Figures made from the training history table ({@link MetricsTable}): an interactive Plotly
 * figure and, from the same columns, a static JFreeChart picture of it ({@link ChartFigure}).
 */
public final class Charts {
    private static final int WIDTH = 800;
    private static final int HEIGHT = 400;
    // Plotly's default colours, so that the picture and the interactive figure match.
    private static final Color[] PLOTLY_COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
            new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};

    private Charts() {}

    /** Mean training loss per epoch. */
    public static ChartFigure loss(Table history) {
        return lines(history, "Training loss", "mean cross-entropy", List.of("mean_loss"), 1);
    }

    /** Every metric column (HR@K, MRR@K, NDCG@K) per epoch, in percent. */
    public static ChartFigure metrics(Table history) {
        List<String> names = new ArrayList<>();
        for (String c : history.columnNames()) {
            if (c.contains("@")) {
                names.add(c);
            }
        }
        return lines(history, "Test metrics", "percent", names, 100);
    }

    /** One line per column of {@code columns} (times {@code scale}) against the {@code epoch} column. */
    public static ChartFigure lines(Table history, String title, String yTitle, List<String> columns, double scale) {
        NumericColumn<?> epoch = history.numberColumn("epoch");
        List<Trace> traces = new ArrayList<>();
        XYSeriesCollection series = new XYSeriesCollection();
        for (String c : columns) {
            NumericColumn<?> y = history.numberColumn(c);
            traces.add(ScatterTrace.builder(epoch, y.multiply(scale).setName(c))
                    .mode(ScatterTrace.Mode.LINE_AND_MARKERS).name(c).showLegend(true).build());
            XYSeries s = new XYSeries(c);
            for (int r = 0; r < history.rowCount(); r++) {
                s.add(epoch.getDouble(r), y.getDouble(r) * scale);
            }
            series.addSeries(s);
        }
        Layout layout = Layout.builder(title)
                .xAxis(Axis.builder().title("epoch").build())
                .yAxis(Axis.builder().title(yTitle).build())
                .height(HEIGHT).width(WIDTH).build();
        return new ChartFigure(layout, picture(title, yTitle, series), traces.toArray(Trace[]::new));
    }

    private static BufferedImage picture(String title, String yTitle, XYSeriesCollection series) {
        JFreeChart chart = ChartFactory.createXYLineChart(title, "epoch", yTitle, series,
                PlotOrientation.VERTICAL, true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(new Color(0xe5ecf6));
        plot.setDomainGridlinePaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.WHITE);
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < series.getSeriesCount(); i++) {
            renderer.setSeriesPaint(i, PLOTLY_COLORS[i % PLOTLY_COLORS.length]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        chart.draw(g, new Rectangle2D.Double(0, 0, WIDTH, HEIGHT));
        g.dispose();
        return image;
    }
}

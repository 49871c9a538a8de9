package io.lessr.plot;

import io.lessr.serve.Explanation;
import io.lessr.serve.Recommender.Recommendation;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.QuadCurve2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;
import tech.tablesaw.api.FloatColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * What the model looks at for one session ({@link Explanation}), as tables and pictures: each SGAT
 * layer's shortcut graph with every edge drawn as wide and as dark as its attention, the nodes sized by
 * the readout's weight and labelled with the clicks they stand for; and the readout's weights beside
 * the recommendations as bars. The pictures are made from the tables.
 */
public final class AttentionView {
    private static final int SIZE = 460;
    private static final int SCALE = 2;
    private static final Color LIGHT = new Color(0xd9d9d9);
    private static final Color DARK = new Color(0xb2182b);

    private AttentionView() {}

    /** The readout's weight on each item of the session, with the clicks (1-based) that item stands for. */
    public static Table readout(Explanation e) {
        IntColumn item = IntColumn.create("item");
        StringColumn clicks = StringColumn.create("clicks");
        FloatColumn weight = FloatColumn.create("weight");
        Map<Integer, List<Integer>> positions = clicks(e);
        for (Explanation.ItemWeight w : e.readout()) {
            item.append(w.item());
            clicks.append(positions.get(w.item()).toString().replaceAll("[\\[\\]]", ""));
            weight.append(w.weight());
        }
        return Table.create("readout weights", item, clicks, weight);
    }

    /** One SGAT layer's attention on the shortcut edges; the weights into each {@code dst} sum to 1. */
    public static Table shortcutEdges(Explanation.Layer layer) {
        IntColumn src = IntColumn.create("src item");
        IntColumn dst = IntColumn.create("dst item");
        FloatColumn weight = FloatColumn.create("weight");
        for (Explanation.Edge edge : layer.edges()) {
            src.append(edge.src());
            dst.append(edge.dst());
            weight.append(edge.weight());
        }
        return Table.create("SGAT layers." + layer.layer() + " attention", src, dst, weight);
    }

    /** The recommendations: rank, item and probability. */
    public static Table top(Explanation e) {
        IntColumn rank = IntColumn.create("rank");
        IntColumn item = IntColumn.create("item");
        FloatColumn score = FloatColumn.create("score");
        for (int i = 0; i < e.top().size(); i++) {
            Recommendation r = e.top().get(i);
            rank.append(i + 1);
            item.append(r.item());
            score.append(r.score());
        }
        return Table.create("recommendations", rank, item, score);
    }

    /** Each item's click positions, 1-based, in order of the item's first click. */
    private static Map<Integer, List<Integer>> clicks(Explanation e) {
        Map<Integer, List<Integer>> out = new LinkedHashMap<>();
        for (int i = 0; i < e.session().size(); i++) {
            out.computeIfAbsent(e.session().get(i), k -> new ArrayList<>()).add(i + 1);
        }
        return out;
    }

    /**
     * One SGAT layer on the session's shortcut graph: nodes on a circle in order of first click (the last
     * click's item in orange), each as large as its readout weight and labelled with its item and clicks;
     * each edge (a self-loop is a ring) as wide and as dark red as its attention, labelled with it.
     */
    public static Picture shortcutGraph(Explanation e, Explanation.Layer layer) {
        Table edges = shortcutEdges(layer);
        Table nodes = readout(e);
        Map<Integer, List<Integer>> clicks = clicks(e);
        List<Integer> order = new ArrayList<>(clicks.keySet());
        Map<Integer, Float> alpha = new LinkedHashMap<>();
        for (int r = 0; r < nodes.rowCount(); r++) {
            alpha.put(nodes.intColumn("item").getInt(r), nodes.floatColumn("weight").getFloat(r));
        }
        int n = order.size();
        double cx = SIZE / 2.0;
        double cy = SIZE / 2.0 - 12;
        double[][] xy = SessionGraphView.onCircle(n, cx, cy, 120);
        double[] x = xy[0];
        double[] y = xy[1];
        BufferedImage image = new BufferedImage(SIZE * SCALE, SIZE * SCALE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g2 = SessionGraphView.canvas(image, SCALE);
        g2.setColor(Color.BLACK);
        g2.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        g2.drawString("SGAT layers." + layer.layer() + ": attention on the shortcut edges", 10, 20);
        g2.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g2.drawString("edge width and colour: attention (into each item it sums to 1)", 10, SIZE - 38);
        if (n > 4) {
            g2.drawString("numbers under 0.15 left out (AttentionView.shortcutEdges lists them all)", 10, SIZE - 24);
        }
        g2.drawString("node size: readout weight α; orange: the last click's item", 10, SIZE - 10);
        for (int r = 0; r < edges.rowCount(); r++) {
            int s = order.indexOf(edges.intColumn("src item").getInt(r));
            int d = order.indexOf(edges.intColumn("dst item").getInt(r));
            float w = edges.floatColumn("weight").getFloat(r);
            g2.setColor(shade(w));
            g2.setStroke(new BasicStroke((float) (0.6 + 6 * w)));
            String label = String.format("%.2f", w);
            if (s == d) {
                // A ring just outside the node, away from the circle's centre, its weight inside it.
                double[] u = loopDirection(x[s], y[s], cx, cy, n);
                double nr = nodeRadius(alpha.get(order.get(s)));
                double lx = x[s] + u[0] * (nr + LOOP);
                double ly = y[s] + u[1] * (nr + LOOP);
                g2.draw(new Ellipse2D.Double(lx - LOOP, ly - LOOP, 2 * LOOP, 2 * LOOP));
                g2.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
                SessionGraphView.text(g2, lx, ly + 3, label);
                g2.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
                continue;
            }
            // Bent to the left of its direction, so that the edges A->B and B->A stay apart.
            double mx = (x[s] + x[d]) / 2;
            double my = (y[s] + y[d]) / 2;
            double dx = x[d] - x[s];
            double dy = y[d] - y[s];
            double len = Math.hypot(dx, dy);
            double qx = mx - dy / len * 28;
            double qy = my + dx / len * 28;
            double ex = x[d] - dx / len * nodeRadius(alpha.get(order.get(d)));
            double ey = y[d] - dy / len * nodeRadius(alpha.get(order.get(d)));
            g2.draw(new QuadCurve2D.Double(x[s], y[s], qx, qy, ex, ey));
            SessionGraphView.arrowHead(g2, qx, qy, ex, ey);
            // In a larger graph the faint edges' numbers would cover each other: the table has them all.
            if (n <= 4 || w >= 0.15f) {
                SessionGraphView.text(g2, (mx + qx) / 2, (my + qy) / 2, label);
            }
        }
        g2.setStroke(new BasicStroke(1.2f));
        int lastItem = e.session().get(e.session().size() - 1);
        for (int i = 0; i < n; i++) {
            int item = order.get(i);
            double nr = nodeRadius(alpha.get(item));
            Ellipse2D node = new Ellipse2D.Double(x[i] - nr, y[i] - nr, 2 * nr, 2 * nr);
            g2.setColor(item == lastItem ? new Color(0xf4a261) : new Color(0xa8dadc));
            g2.fill(node);
            g2.setColor(new Color(0x333333));
            g2.draw(node);
            g2.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
            SessionGraphView.text(g2, x[i], y[i] + 4, Integer.toString(item));
            g2.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            String caption = "click " + clicks.get(item).toString().replaceAll("[\\[\\]]", "") + String.format(" · α %.2f", alpha.get(item));
            // Above the ring of an upper node; below any other node, whose ring sits at its side.
            double[] u = loopDirection(x[i], y[i], cx, cy, n);
            double half = g2.getFontMetrics().stringWidth(caption) / 2.0;
            double tx = Math.max(half + 4, Math.min(SIZE - half - 4, u[1] < 0 ? x[i] + u[0] * (nr + 2 * LOOP + 10) : x[i]));
            double ty = u[1] < 0 ? y[i] + u[1] * (nr + 2 * LOOP + 6) : y[i] + nr + 15;
            SessionGraphView.text(g2, tx, ty, caption);
        }
        g2.dispose();
        return new Picture(image, SIZE, SIZE);
    }

    private static final double LOOP = 13;

    /**
     * Where a node's self-loop ring sits: away from the circle's centre for an upper node (upwards for a
     * session of one item), at the outer side for the others, whose captions go below them.
     */
    private static double[] loopDirection(double x, double y, double cx, double cy, int n) {
        double len = Math.hypot(x - cx, y - cy);
        if (n == 1 || len == 0) {
            return new double[] {0, -1};
        }
        double ux = (x - cx) / len;
        double uy = (y - cy) / len;
        return uy < -0.3 ? new double[] {ux, uy} : new double[] {ux >= 0 ? 1 : -1, 0};
    }

    private static double nodeRadius(float alpha) {
        return 13 + 22 * Math.sqrt(alpha);
    }

    private static Color shade(float w) {
        float t = Math.max(0, Math.min(1, w));
        return new Color((int) (LIGHT.getRed() + t * (DARK.getRed() - LIGHT.getRed())),
                (int) (LIGHT.getGreen() + t * (DARK.getGreen() - LIGHT.getGreen())),
                (int) (LIGHT.getBlue() + t * (DARK.getBlue() - LIGHT.getBlue())));
    }

    /** The readout's weight on each item (in click order) beside the recommendations' probabilities, as bars. */
    public static Picture readoutAndTop(Explanation e) {
        Table readout = readout(e);
        DefaultCategoryDataset weights = new DefaultCategoryDataset();
        for (int r = 0; r < readout.rowCount(); r++) {
            weights.addValue(readout.floatColumn("weight").getFloat(r), "readout weight",
                    readout.intColumn("item").getInt(r) + " (click " + readout.stringColumn("clicks").get(r) + ")");
        }
        Table top = top(e);
        DefaultCategoryDataset scores = new DefaultCategoryDataset();
        for (int r = 0; r < top.rowCount(); r++) {
            scores.addValue(top.floatColumn("score").getFloat(r), "probability",
                    "#" + top.intColumn("rank").getInt(r) + ": item " + top.intColumn("item").getInt(r));
        }
        int width = 400;
        int height = Math.max(260, 60 + 22 * Math.max(readout.rowCount(), top.rowCount()));
        BufferedImage image = new BufferedImage(2 * width * SCALE, height * SCALE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = SessionGraphView.canvas(image, SCALE);
        bars("What the readout weighs", "weight", weights, new Color(0x1f77b4)).draw(g, new Rectangle2D.Double(0, 0, width, height));
        bars("What it recommends", "probability", scores, new Color(0xff7f0e)).draw(g, new Rectangle2D.Double(width, 0, width, height));
        g.dispose();
        return new Picture(image, 2 * width, height);
    }

    private static JFreeChart bars(String title, String valueAxis, DefaultCategoryDataset data, Color colour) {
        JFreeChart chart = ChartFactory.createBarChart(title, null, valueAxis, data, PlotOrientation.HORIZONTAL, false, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(new Color(0xe5ecf6));
        plot.setRangeGridlinePaint(Color.WHITE);
        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setSeriesPaint(0, colour);
        return chart;
    }
}

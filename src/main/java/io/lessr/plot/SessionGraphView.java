package io.lessr.plot;

import io.lessr.graph.SessionGraph;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.QuadCurve2D;
import java.awt.image.BufferedImage;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

/** One prefix's two graphs as edge tables and as pictures, for the walkthrough's Collate section. */
public final class SessionGraphView {
    private SessionGraphView() {}

    /** The EOP multigraph's edges in time order, as node indices and item ids. */
    public static Table eopEdges(SessionGraph g) {
        return edges("EOP multigraph edges", g, g.eopSrc(), g.eopDst());
    }

    /** The shortcut graph's edges (self-loops included). */
    public static Table shortcutEdges(SessionGraph g) {
        return edges("shortcut graph edges", g, g.shortcutSrc(), g.shortcutDst());
    }

    private static Table edges(String name, SessionGraph g, int[] src, int[] dst) {
        IntColumn order = IntColumn.create("order");
        IntColumn srcNode = IntColumn.create("src node");
        IntColumn dstNode = IntColumn.create("dst node");
        IntColumn srcItem = IntColumn.create("src item");
        IntColumn dstItem = IntColumn.create("dst item");
        for (int e = 0; e < src.length; e++) {
            order.append(e);
            srcNode.append(src[e]);
            dstNode.append(dst[e]);
            srcItem.append(g.items()[src[e]]);
            dstItem.append(g.items()[dst[e]]);
        }
        return Table.create(name, order, srcNode, dstNode, srcItem, dstItem);
    }

    /** The EOP multigraph: nodes on a circle labelled with their item, edges numbered in time order. */
    public static Picture eop(SessionGraph g) {
        return draw("EOP multigraph", g, g.eopSrc(), g.eopDst(), true);
    }

    /** The shortcut graph. */
    public static Picture shortcut(SessionGraph g) {
        return draw("shortcut graph", g, g.shortcutSrc(), g.shortcutDst(), false);
    }

    private static final int SIZE = 400;
    private static final int SCALE = 2; // drawn at twice the size it is shown at
    private static final Color EDGE = new Color(0x555555);

    private static Picture draw(String title, SessionGraph g, int[] src, int[] dst, boolean numbered) {
        int n = g.numNodes();
        double cx = 200;
        double cy = 190;
        double[][] xy = onCircle(n, cx, cy, 130);
        double[] x = xy[0];
        double[] y = xy[1];
        BufferedImage image = new BufferedImage(SIZE * SCALE, SIZE * SCALE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g2 = canvas(image, SCALE);
        g2.setColor(Color.BLACK);
        g2.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
        g2.drawString(title, 10, 20);
        g2.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g2.setStroke(new BasicStroke(1.2f));
        int[] parallel = new int[n * n];
        for (int e = 0; e < src.length; e++) {
            int s = src[e];
            int d = dst[e];
            String label = numbered ? Integer.toString(e) : "";
            g2.setColor(EDGE);
            if (s == d) {
                double lx = x[s] + (x[s] - cx) * 0.25;
                double ly = y[s] + (y[s] - cy) * 0.25 - (n == 1 ? 40 : 0);
                g2.draw(new Ellipse2D.Double(lx - 16, ly - 16, 32, 32));
                text(g2, lx, ly - 20, label);
                continue;
            }
            // Parallel edges bend further apart so that repeated transitions stay visible.
            int k = parallel[s * n + d]++;
            double mx = (x[s] + x[d]) / 2;
            double my = (y[s] + y[d]) / 2;
            double dx = x[d] - x[s];
            double dy = y[d] - y[s];
            double len = Math.hypot(dx, dy);
            double bend = 25 + 22 * k;
            double qx = mx - dy / len * bend;
            double qy = my + dx / len * bend;
            double ex = x[d] - dx / len * 22;
            double ey = y[d] - dy / len * 22;
            g2.draw(new QuadCurve2D.Double(x[s], y[s], qx, qy, ex, ey));
            arrowHead(g2, qx, qy, ex, ey);
            text(g2, (mx + qx) / 2, (my + qy) / 2, label);
        }
        for (int i = 0; i < n; i++) {
            Ellipse2D node = new Ellipse2D.Double(x[i] - 20, y[i] - 20, 40, 40);
            g2.setColor(i == g.last() ? new Color(0xf4a261) : new Color(0xa8dadc));
            g2.fill(node);
            g2.setColor(new Color(0x333333));
            g2.draw(node);
            text(g2, x[i], y[i] + 5, Integer.toString(g.items()[i]));
        }
        g2.dispose();
        return new Picture(image, SIZE, SIZE);
    }

    /** {@code n} points on a circle around (cx, cy), the first at the top, clockwise; one point sits at the centre. */
    static double[][] onCircle(int n, double cx, double cy, double radius) {
        double r = n == 1 ? 0 : radius;
        double[][] xy = new double[2][n];
        for (int i = 0; i < n; i++) {
            double a = 2 * Math.PI * i / n - Math.PI / 2;
            xy[0][i] = cx + r * Math.cos(a);
            xy[1][i] = cy + r * Math.sin(a);
        }
        return xy;
    }

    /** A white, antialiased canvas on {@code image}, drawn at {@code scale} times the size it is shown at. */
    static Graphics2D canvas(BufferedImage image, int scale) {
        Graphics2D g2 = image.createGraphics();
        g2.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g2.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g2.scale(scale, scale);
        g2.setColor(Color.WHITE);
        g2.fillRect(0, 0, image.getWidth() / scale, image.getHeight() / scale);
        return g2;
    }

    /** A filled arrow head at (ex, ey), pointing along the curve's last tangent (from its control point). */
    static void arrowHead(Graphics2D g2, double qx, double qy, double ex, double ey) {
        double angle = Math.atan2(ey - qy, ex - qx);
        Path2D head = new Path2D.Double();
        head.moveTo(ex, ey);
        head.lineTo(ex - 9 * Math.cos(angle - 0.4), ey - 9 * Math.sin(angle - 0.4));
        head.lineTo(ex - 9 * Math.cos(angle + 0.4), ey - 9 * Math.sin(angle + 0.4));
        head.closePath();
        g2.fill(head);
    }

    static void text(Graphics2D g2, double x, double y, String s) {
        if (!s.isEmpty()) {
            Color c = g2.getColor();
            g2.setColor(Color.BLACK);
            g2.drawString(s, (float) (x - g2.getFontMetrics().stringWidth(s) / 2.0), (float) y);
            g2.setColor(c);
        }
    }
}

package io.lessr.plot;

import io.lessr.graph.SessionGraph;

import java.util.Locale;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

/** One prefix's two graphs as edge tables and as SVG pictures, for the walkthrough's Collate section. */
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
    public static String eopSvg(SessionGraph g) {
        return svg("EOP multigraph", g, g.eopSrc(), g.eopDst(), true);
    }

    /** The shortcut graph. */
    public static String shortcutSvg(SessionGraph g) {
        return svg("shortcut graph", g, g.shortcutSrc(), g.shortcutDst(), false);
    }

    private static String svg(String title, SessionGraph g, int[] src, int[] dst, boolean numbered) {
        int n = g.numNodes();
        double cx = 200;
        double cy = 190;
        double r = n == 1 ? 0 : 130;
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double a = 2 * Math.PI * i / n - Math.PI / 2;
            x[i] = cx + r * Math.cos(a);
            y[i] = cy + r * Math.sin(a);
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"400\" font-family=\"sans-serif\">"
                        + "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
                        + "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/>"
                        + "</marker></defs><text x=\"10\" y=\"20\" font-size=\"15\">%s</text>", title));
        int[] parallel = new int[n * n];
        for (int e = 0; e < src.length; e++) {
            int s = src[e];
            int d = dst[e];
            String label = numbered ? Integer.toString(e) : "";
            if (s == d) {
                double lx = x[s] + (x[s] - cx) * 0.25;
                double ly = y[s] + (y[s] - cy) * 0.25 - (n == 1 ? 40 : 0);
                sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"16\" fill=\"none\" stroke=\"#555\"/>", lx, ly));
                sb.append(text(lx, ly - 20, label));
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
            sb.append(String.format(Locale.ROOT,
                    "<path d=\"M %.1f %.1f Q %.1f %.1f %.1f %.1f\" fill=\"none\" stroke=\"#555\" marker-end=\"url(#arrow)\"/>",
                    x[s], y[s], qx, qy, ex, ey));
            sb.append(text((mx + qx) / 2, (my + qy) / 2, label));
        }
        for (int i = 0; i < n; i++) {
            boolean last = i == g.last();
            sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"20\" fill=\"%s\" stroke=\"#333\"/>",
                    x[i], y[i], last ? "#f4a261" : "#a8dadc"));
            sb.append(text(x[i], y[i] + 5, Integer.toString(g.items()[i])));
        }
        return sb.append("</svg>").toString();
    }

    private static String text(double x, double y, String s) {
        return s.isEmpty() ? "" : String.format(Locale.ROOT,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" text-anchor=\"middle\">%s</text>", x, y, s);
    }
}

package io.lessr.plot;

import java.util.ArrayList;
import java.util.List;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.traces.ScatterTrace;
import tech.tablesaw.plotly.traces.Trace;

/** Figures made from the training history table ({@link MetricsTable}). */
public final class Charts {
    private Charts() {}

    /** Mean training loss per epoch. */
    public static Figure loss(Table history) {
        return lines(history, "Training loss", "mean cross-entropy", List.of("mean_loss"), 1);
    }

    /** Every metric column (HR@K, MRR@K, NDCG@K) per epoch, in percent. */
    public static Figure metrics(Table history) {
        List<String> names = new ArrayList<>();
        for (String c : history.columnNames()) {
            if (c.contains("@")) {
                names.add(c);
            }
        }
        return lines(history, "Test metrics", "percent", names, 100);
    }

    private static Figure lines(Table history, String title, String yTitle, List<String> columns, double scale) {
        NumericColumn<?> epoch = history.numberColumn("epoch");
        List<Trace> traces = new ArrayList<>();
        for (String c : columns) {
            traces.add(ScatterTrace.builder(epoch, history.numberColumn(c).multiply(scale).setName(c))
                    .mode(ScatterTrace.Mode.LINE_AND_MARKERS).name(c).showLegend(true).build());
        }
        Layout layout = Layout.builder(title)
                .xAxis(Axis.builder().title("epoch").build())
                .yAxis(Axis.builder().title(yTitle).build())
                .height(400).width(800).build();
        return new Figure(layout, traces.toArray(Trace[]::new));
    }
}

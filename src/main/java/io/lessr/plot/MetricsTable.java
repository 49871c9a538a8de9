package io.lessr.plot;

import io.lessr.train.EpochResult;

import java.util.List;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

/** Training history as a Tablesaw table: one row an epoch, metrics as fractions. */
public final class MetricsTable {
    private MetricsTable() {}

    public static Table of(List<EpochResult> history) {
        Table table = Table.create("LESSR training",
                IntColumn.create("epoch"),
                DoubleColumn.create("mean_loss"),
                DoubleColumn.create("train_seconds"),
                DoubleColumn.create("eval_seconds"));
        if (history.isEmpty()) {
            return table;
        }
        history.get(0).metrics().keySet().forEach(m -> table.addColumns(DoubleColumn.create(m)));
        for (EpochResult r : history) {
            table.intColumn("epoch").append(r.epoch());
            table.doubleColumn("mean_loss").append(r.meanLoss());
            table.doubleColumn("train_seconds").append(r.trainSeconds());
            table.doubleColumn("eval_seconds").append(r.evalSeconds());
            r.metrics().forEach((m, v) -> table.doubleColumn(m).append(v));
        }
        return table;
    }
}

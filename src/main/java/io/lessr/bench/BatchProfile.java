package io.lessr.bench;

import io.lessr.graph.Collator;
import io.lessr.train.LaneTimes;
import io.lessr.train.Lanes;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a batch's time goes, between two {@link Snapshot}s: on lane 0 (the training thread) and lane 1
 * (the helper), the native calls into libtorch ({@link NativeCalls}: how many, how long), the Java
 * around them, the time lane 0 waited for lane 1 and for a batch from the collator, and lane 1's idle
 * time; for training steps, each run of the lanes in the step's order. {@code bench --profile} prints it
 * for training and evaluation batches.
 */
public final class BatchProfile {
    /** The process's counters at one moment. */
    public record Snapshot(long wall, NativeCalls.Totals lane0, NativeCalls.Totals lane1, long busy0, long busy1,
                           long laneWait, long laneRuns, long batchWait, LaneTimes.StepRuns stepRuns) {
        /** Now, with lane 0 the calling thread. */
        public static Snapshot now() {
            NativeCalls.Totals lane1 = new NativeCalls.Totals(0, 0, Map.of());
            for (Thread t : NativeCalls.threads()) {
                if (t.getName().equals(Lanes.HELPER_THREAD)) {
                    lane1 = add(lane1, NativeCalls.of(t));
                }
            }
            return new Snapshot(System.nanoTime(), NativeCalls.of(Thread.currentThread()), lane1, LaneTimes.busyNanos(0),
                    LaneTimes.busyNanos(1), LaneTimes.waitedNanos(), LaneTimes.runs(), Collator.waitedNanos(),
                    LaneTimes.stepRuns());
        }
    }

    private final String what;
    private final int batches;
    private final Snapshot from;
    private final Snapshot to;

    /** The profile of {@code batches} batches of kind {@code what} between two snapshots. */
    public BatchProfile(String what, int batches, Snapshot from, Snapshot to) {
        this.what = what;
        this.batches = batches;
        this.from = from;
        this.to = to;
    }

    private double ms(long nanos) {
        return nanos / 1e6 / batches;
    }

    private double per(long count) {
        return (double) count / batches;
    }

    /** The profile as a Markdown table, then the native methods that took the most time. */
    public void print(PrintStream out, int topMethods) {
        NativeCalls.Totals n0 = to.lane0.minus(from.lane0);
        NativeCalls.Totals n1 = to.lane1.minus(from.lane1);
        long wall = to.wall - from.wall;
        long laneWait = to.laneWait - from.laneWait;
        long batchWait = to.batchWait - from.batchWait;
        long busy0 = to.busy0 - from.busy0;
        long busy1 = to.busy1 - from.busy1;
        // On one thread lane 1 runs on the training thread: its calls are in lane 0's column, and its
        // time is no time alone.
        boolean oneThread = n1.calls() == 0 && busy1 > 0;
        out.printf("%n%s: %d batches, %.2f ms a batch, the lanes met %.1f times a batch%n", what, batches, ms(wall),
                per(to.laneRuns - from.laneRuns));
        out.println(oneThread ? "| per batch | lanes 0 and 1 (training thread) | |"
                : "| per batch | lane 0 (training thread) | lane 1 (helper) |");
        out.println("|---|---|---|");
        out.printf("| native calls | %.0f | %s |%n", per(n0.calls()), lane1(oneThread, "%.0f", per(n1.calls())));
        out.printf("| time in native calls | %.2f ms | %s |%n", ms(n0.nanos()), lane1(oneThread, "%.2f ms", ms(n1.nanos())));
        out.printf("| Java around them | %.2f ms | %s |%n", ms(wall - n0.nanos() - laneWait - batchWait),
                lane1(oneThread, "%.2f ms", ms(busy1 - n1.nanos())));
        out.printf("| waiting for the other lane | %.2f ms | %s |%n", ms(laneWait),
                lane1(oneThread, "%.2f ms (idle)", ms(wall - busy1)));
        out.printf("| waiting for the batch's graphs | %.2f ms | |%n", ms(batchWait));
        out.printf("| lane 0 alone (outside the lanes' runs) | %.2f ms | |%n",
                ms(wall - busy0 - laneWait - (oneThread ? busy1 : 0)));
        out.printf("| mean time of a native call | %.1f µs | %s |%n", n0.calls() == 0 ? 0 : n0.nanos() / 1e3 / n0.calls(),
                lane1(oneThread, "%.1f µs", n1.calls() == 0 ? 0 : n1.nanos() / 1e3 / n1.calls()));
        printStepRuns(out, to.stepRuns.minus(from.stepRuns), oneThread);
        List<Map.Entry<String, long[]>> top = new ArrayList<>(add(n0, n1).byMethod().entrySet());
        top.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
        out.println("| native method (both lanes) | calls a batch | ms a batch |");
        out.println("|---|---|---|");
        for (Map.Entry<String, long[]> e : top.subList(0, Math.min(topMethods, top.size()))) {
            out.printf("| %s | %.1f | %.2f |%n", e.getKey(), per(e.getValue()[0]), ms(e.getValue()[1]));
        }
    }

    /**
     * The runs of a training step in its order (the walkthrough's model: the masks and the look-up, four
     * stages forward, the last stage with the scoring and its backward pass, four stages backward, the
     * look-up's backward pass, the gradients added, AdamW): each lane's time at work in it, a batch's
     * share, and how long the lane that ended first waited for the other. Nothing without steps.
     */
    private void printStepRuns(PrintStream out, LaneTimes.StepRuns runs, boolean oneThread) {
        long steps = runs.runs()[0];
        if (steps == 0) {
            return;
        }
        out.println("| run of the step | lane 0 | lane 1 | " + (oneThread ? "the lanes one after the other |" : "the first to end waited |"));
        out.println("|---|---|---|---|");
        for (int i = 0; i < runs.runs().length && runs.runs()[i] > 0; i++) {
            out.printf("| %d%s | %.2f ms | %.2f ms | %s |%n", i + 1, runs.runs()[i] == steps ? "" : String.format(" (%d of %d steps)",
                    runs.runs()[i], steps), ms(runs.busy0()[i]), ms(runs.busy1()[i]),
                    oneThread ? String.format("%.2f ms", ms(runs.busy0()[i] + runs.busy1()[i])) : String.format("%.2f ms", ms(runs.spread()[i])));
        }
    }

    /** Lane 1's cell: empty when lane 1 ran on the training thread, whose column holds its share. */
    private static String lane1(boolean oneThread, String format, double value) {
        return oneThread ? "" : String.format(format, value);
    }

    private static NativeCalls.Totals add(NativeCalls.Totals a, NativeCalls.Totals b) {
        Map<String, long[]> sum = new TreeMap<>(a.byMethod());
        b.byMethod().forEach((name, v) -> sum.merge(name, v, (x, y) -> new long[] {x[0] + y[0], x[1] + y[1]}));
        return new NativeCalls.Totals(a.calls() + b.calls(), a.nanos() + b.nanos(), sum);
    }
}

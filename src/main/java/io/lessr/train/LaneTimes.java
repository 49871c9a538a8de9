package io.lessr.train;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Where the lanes' time goes, summed over the process: each lane's time at work, and the time lane 0
 * (the calling thread) waited for the others after finishing its own part; and, for the runs of a
 * training step, in the step's order, each lane's time at work in that run and how long the lane that
 * ended first waited for the other. Read by {@code bench --profile}.
 */
public final class LaneTimes {
    private static final AtomicLongArray BUSY = new AtomicLongArray(Lanes.COUNT);
    private static final AtomicLong RUNS = new AtomicLong();
    private static final AtomicLong WAITED = new AtomicLong();

    /** The most runs of a step counted apart (the walkthrough's model takes 13). */
    public static final int MAX_STEP_RUNS = 32;
    private static final AtomicLongArray STEP_RUNS = new AtomicLongArray(MAX_STEP_RUNS);
    private static final AtomicLongArray STEP_BUSY0 = new AtomicLongArray(MAX_STEP_RUNS);
    private static final AtomicLongArray STEP_BUSY1 = new AtomicLongArray(MAX_STEP_RUNS);
    private static final AtomicLongArray STEP_SPREAD = new AtomicLongArray(MAX_STEP_RUNS);
    /** The index the calling thread's next run takes in its step, -1 outside a step. */
    private static final ThreadLocal<int[]> STEP_RUN = ThreadLocal.withInitial(() -> new int[] {-1});

    private LaneTimes() {}

    /** The calling thread starts a training step: its next runs are the step's first, second, ... */
    public static void stepStarted() {
        STEP_RUN.get()[0] = 0;
    }

    /** The calling thread's step has ended: its runs are no longer counted by their place in a step. */
    public static void stepEnded() {
        STEP_RUN.get()[0] = -1;
    }

    /**
     * The runs of steps so far, by their place in the step: how many, each lane's nanoseconds at work,
     * and the nanoseconds the lane that ended first waited for the other ({@code |busy0 - busy1|}).
     */
    public record StepRuns(long[] runs, long[] busy0, long[] busy1, long[] spread) {
        /** This minus an earlier snapshot. */
        public StepRuns minus(StepRuns earlier) {
            return new StepRuns(diff(runs, earlier.runs), diff(busy0, earlier.busy0), diff(busy1, earlier.busy1),
                    diff(spread, earlier.spread));
        }

        private static long[] diff(long[] a, long[] b) {
            long[] d = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                d[i] = a[i] - b[i];
            }
            return d;
        }
    }

    /** The counters of the steps' runs so far. */
    public static StepRuns stepRuns() {
        return new StepRuns(copy(STEP_RUNS), copy(STEP_BUSY0), copy(STEP_BUSY1), copy(STEP_SPREAD));
    }

    private static long[] copy(AtomicLongArray a) {
        long[] c = new long[a.length()];
        for (int i = 0; i < c.length; i++) {
            c[i] = a.get(i);
        }
        return c;
    }

    static void busy(int lane, long nanos) {
        BUSY.addAndGet(lane, nanos);
    }

    /**
     * One run of the lanes, after which lane 0 waited {@code waitedNanos} for the others (0 on one
     * thread); lane 0 worked {@code busy0} nanoseconds in it and lane 1 {@code busy1}.
     */
    static void ran(long waitedNanos, long busy0, long busy1) {
        WAITED.addAndGet(waitedNanos);
        RUNS.incrementAndGet();
        int[] at = STEP_RUN.get();
        if (at[0] >= 0) {
            if (at[0] < MAX_STEP_RUNS) {
                STEP_RUNS.incrementAndGet(at[0]);
                STEP_BUSY0.addAndGet(at[0], busy0);
                STEP_BUSY1.addAndGet(at[0], busy1);
                STEP_SPREAD.addAndGet(at[0], Math.abs(busy0 - busy1));
            }
            at[0]++;
        }
    }

    /** Nanoseconds lane {@code lane} has worked so far. */
    public static long busyNanos(int lane) {
        return BUSY.get(lane);
    }

    /** Nanoseconds lane 0 has waited for the other lanes so far. */
    public static long waitedNanos() {
        return WAITED.get();
    }

    /** How many times the lanes have run so far. */
    public static long runs() {
        return RUNS.get();
    }
}

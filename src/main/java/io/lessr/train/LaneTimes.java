package io.lessr.train;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Where the lanes' time goes, summed over the process: each lane's time at work, and the time lane 0
 * (the calling thread) waited for the others after finishing its own part. Read by {@code bench --profile}.
 */
public final class LaneTimes {
    private static final AtomicLongArray BUSY = new AtomicLongArray(Lanes.COUNT);
    private static final AtomicLong RUNS = new AtomicLong();
    private static final AtomicLong WAITED = new AtomicLong();

    private LaneTimes() {}

    static void busy(int lane, long nanos) {
        BUSY.addAndGet(lane, nanos);
    }

    /** One run of the lanes, after which lane 0 waited {@code nanos} for the others (0 on one thread). */
    static void ran(long waitedNanos) {
        WAITED.addAndGet(waitedNanos);
        RUNS.incrementAndGet();
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

package io.lessr.train;

import ai.djl.Device;
import io.lessr.model.EngineSettings;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * Work cut into {@link #COUNT} (two) lanes that run at once, lane 0 on the calling thread and lane 1
 * on a helper thread, each holding one PyTorch thread (two busy PyTorch intra-op pools oversubscribe
 * a small machine; one Java thread per core does not).
 *
 * <p>The cut is fixed and does not depend on how many threads run it: with one thread the lanes run
 * one after the other, with two side by side, and every result (each lane's partial sums, and the
 * sum of the lanes taken in lane order) is the same bits either way, whatever the threads' timing.
 */
public final class Lanes implements AutoCloseable {
    /** How many parts the work is cut into, whatever the number of threads. */
    public static final int COUNT = 2;

    /** The name of the helper lane's thread. */
    public static final String HELPER_THREAD = "lessr-lane";

    private final Helper helper;
    /** Per lane, what it closes at the start of its next run ({@link #closeAtNextRun}). */
    private final List<List<AutoCloseable>> closeAtNextRun =
            IntStream.range(0, COUNT).<List<AutoCloseable>>mapToObj(lane -> new ArrayList<>()).toList();

    /** Lanes run by {@code threads} threads (1 to {@link #COUNT}), the caller's included. */
    public Lanes(int threads) {
        if (checkThreads(threads) > 1) {
            EngineSettings.initializeSharedKernels();
        }
        this.helper = threads == 1 ? null : new Helper();
    }

    /** One thread per core up to {@link #COUNT} on the CPU; one on a GPU, whose kernels queue on one stream. */
    public static Lanes forDevice(Device device) {
        return new Lanes(device.isGpu() ? 1 : Math.min(COUNT, Runtime.getRuntime().availableProcessors()));
    }

    /** {@code threads}, if the lanes can run on that many threads. */
    static int checkThreads(int threads) {
        if (threads < 1 || threads > COUNT) {
            throw new IllegalArgumentException("lane threads must be 1 to " + COUNT + ", got " + threads);
        }
        return threads;
    }

    /** The blocks {@code [from, to)} of {@code blocks} that lane {@code lane} takes: contiguous, in order. */
    public static int[] range(int lane, int blocks) {
        return new int[] {(int) ((long) blocks * lane / COUNT), (int) ((long) blocks * (lane + 1) / COUNT)};
    }

    /**
     * Runs {@code lane} for every lane index and returns the results in lane order. Returns only when
     * every lane has ended (so nothing a lane uses is closed under it); the first lane's exception, in
     * lane order, is rethrown. An interrupt (a notebook's) is kept for the caller, which acts on it
     * between batches.
     */
    public synchronized <T> List<T> run(IntFunction<T> work) {
        IntFunction<T> lane = index -> {
            closeDeferred(index);
            return work.apply(index);
        };
        if (helper != null) {
            helper.post(lane);
        }
        List<T> results = new ArrayList<>(COUNT);
        Throwable failure = null;
        long[] busy = new long[COUNT];
        try {
            results.add(timed(lane, 0, busy));
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        if (helper == null) {
            if (failure == null) {
                try {
                    results.add(timed(lane, 1, busy));
                } catch (RuntimeException | Error e) {
                    failure = e;
                }
            }
            LaneTimes.ran(0, busy[0], busy[1]);
        } else {
            long waitStart = System.nanoTime();
            helper.await();
            LaneTimes.ran(System.nanoTime() - waitStart, busy[0], helper.times[1]);
            if (failure == null) {
                failure = helper.failure;
            }
            @SuppressWarnings("unchecked")
            T result = (T) helper.result;
            results.add(result);
            helper.clear();
        }
        rethrow(failure);
        return results;
    }

    /**
     * Has lane {@code lane}, calling from that lane, close {@code resource} when it next runs, before
     * that run's work (or when the lanes close): the end of one step's work, such as closing a lane's
     * tensors (a native call each), shares the next run (the optimizer's, whose lanes balance their
     * work) instead of taking a meeting of the lanes of its own.
     */
    public void closeAtNextRun(int lane, AutoCloseable resource) {
        closeAtNextRun.get(lane).add(resource);
    }

    private void closeDeferred(int lane) {
        List<AutoCloseable> resources = closeAtNextRun.get(lane);
        try {
            for (AutoCloseable resource : resources) {
                resource.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException("closing lane " + lane + "'s resources of the last run", e);
        } finally {
            resources.clear();
        }
    }

    /** Runs lane {@code index}, its time at work added to {@link LaneTimes} and kept in {@code busy[index]}. */
    private static <T> T timed(IntFunction<T> lane, int index, long[] busy) {
        long start = System.nanoTime();
        try {
            return lane.apply(index);
        } finally {
            busy[index] = System.nanoTime() - start;
            LaneTimes.busy(index, busy[index]);
        }
    }

    private static void rethrow(Throwable failure) {
        if (failure instanceof RuntimeException r) {
            throw r;
        } else if (failure instanceof Error e) {
            throw e;
        } else if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    @Override
    public void close() {
        try {
            if (helper != null) {
                helper.close();
            }
        } finally {
            for (int lane = 0; lane < COUNT; lane++) {
                closeDeferred(lane);
            }
        }
    }

    /**
     * Lane 1's thread. The lanes meet a dozen times a batch, a millisecond or two apart: each side
     * spins for a while before it parks, so that a meeting seldom waits for a thread to wake. Waking a
     * parked thread took a quarter of a millisecond or more on a virtual machine's idle core; 2 ms of
     * spinning covers the gaps of a training batch (lane 0's work between the runs, the optimizer's
     * step), so that only the gaps between batches and epochs park.
     */
    private static final class Helper implements Runnable {
        private static final long SPIN_NANOS = 2_000_000;
        private static final int IDLE = 0;
        private static final int POSTED = 1;
        private static final int DONE = 2;

        private final Thread thread;
        private volatile int state = IDLE;
        private volatile boolean closed;
        private volatile Thread caller;
        private IntFunction<?> work; // published by the write of state
        private Object result;
        private Throwable failure;
        private final long[] times = new long[COUNT]; // [1]: the last run's time at work, published by the write of state

        Helper() {
            thread = new Thread(this, HELPER_THREAD);
            thread.setDaemon(true);
            thread.start();
        }

        void post(IntFunction<?> lane) {
            work = lane;
            caller = Thread.currentThread();
            state = POSTED;
            LockSupport.unpark(thread);
        }

        /** Waits for the posted work to end, keeping an interrupt for the caller. */
        void await() {
            boolean interrupted = false;
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (state != DONE) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
                interrupted |= Thread.interrupted();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        void clear() {
            work = null;
            result = null;
            failure = null;
            state = IDLE;
        }

        @Override
        public void run() {
            EngineSettings.noGradOnThisThread(); // lanes compute values and closed-form gradients only
            while (true) {
                long spinUntil = System.nanoTime() + SPIN_NANOS;
                while (state != POSTED) {
                    if (closed) {
                        return;
                    }
                    if (System.nanoTime() < spinUntil) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                    Thread.interrupted(); // only close() ends the thread
                }
                try {
                    result = timed(work, 1, times);
                } catch (Throwable t) {
                    failure = t;
                }
                state = DONE;
                LockSupport.unpark(caller);
            }
        }

        void close() {
            closed = true;
            LockSupport.unpark(thread);
        }
    }
}

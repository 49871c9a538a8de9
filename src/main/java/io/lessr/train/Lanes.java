package io.lessr.train;

import ai.djl.Device;
import io.lessr.model.EngineSettings;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * Work cut into {@link #COUNT} lanes that run at once, lane 0 on the calling thread and the others
 * on helper threads, each holding one PyTorch thread (two busy PyTorch intra-op pools oversubscribe
 * a small machine; one Java thread per core does not).
 *
 * <p>The cut is fixed and does not depend on how many threads run it: with one thread the lanes run
 * one after the other, with two side by side, and every result (each lane's partial sums, and the
 * sum of the lanes taken in lane order) is the same bits either way, whatever the threads' timing.
 */
public final class Lanes implements AutoCloseable {
    /** How many parts the work is cut into, whatever the number of threads. */
    public static final int COUNT = 2;

    /** The name of the helper lanes' threads. */
    public static final String HELPER_THREAD = "lessr-lane";

    private final ExecutorService helpers;

    /** Lanes run by {@code threads} threads (1 to {@link #COUNT}), the caller's included. */
    public Lanes(int threads) {
        if (checkThreads(threads) > 1) {
            EngineSettings.initializeSharedKernels();
        }
        this.helpers = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(() -> {
                EngineSettings.noGradOnThisThread(); // lanes compute values and closed-form gradients only
                r.run();
            }, HELPER_THREAD);
            t.setDaemon(true);
            return t;
        });
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
     * lane order, is rethrown.
     */
    public <T> List<T> run(IntFunction<T> lane) {
        List<Future<T>> others = new ArrayList<>();
        for (int i = 1; i < COUNT; i++) {
            int index = i;
            others.add(helpers == null ? null : helpers.submit(() -> timed(lane, index)));
        }
        List<T> results = new ArrayList<>(COUNT);
        Throwable failure = null;
        try {
            results.add(timed(lane, 0));
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        long waitStart = System.nanoTime();
        for (int i = 1; i < COUNT; i++) {
            Future<T> f = others.get(i - 1);
            try {
                if (f == null) {
                    if (failure == null) {
                        results.add(timed(lane, i));
                    }
                    continue;
                }
                results.add(await(f));
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause();
                }
            } catch (RuntimeException | Error e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (helpers != null) {
            LaneTimes.waited(System.nanoTime() - waitStart);
        }
        rethrow(failure);
        return results;
    }

    private static <T> T timed(IntFunction<T> lane, int index) {
        long start = System.nanoTime();
        try {
            return lane.apply(index);
        } finally {
            LaneTimes.busy(index, System.nanoTime() - start);
        }
    }

    /** The future's result; an interrupt (a notebook's) is kept for the caller, which acts on it between batches. */
    private static <T> T await(Future<T> f) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
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
        if (helpers != null) {
            helpers.shutdownNow();
        }
    }
}

package io.lessr.graph;

import io.lessr.data.AugmentedDataset;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.Arrays;

/**
 * Cuts a dataset into batches and builds their graphs on {@code numWorkers} background threads, a
 * few batches ahead of the training thread, in order (the walkthrough's {@code DataLoader} with
 * {@code collate_fn}). With zero workers, batches are built on the caller's thread.
 */
public final class Collator implements AutoCloseable {
    /** Nanoseconds consumers have waited for a batch not yet built, summed over the process. */
    private static final AtomicLong WAITED = new AtomicLong();
    private final int numWorkers;
    private final int parts;
    private final ExecutorService workers;

    public Collator(int numWorkers) {
        this(numWorkers, 1);
    }

    /**
     * A collator whose workers also cut each batch into {@code parts} (a training step's lanes, {@link
     * GraphBatch#parts}), so that the step does not.
     */
    public Collator(int numWorkers, int parts) {
        if (numWorkers < 0) {
            throw new IllegalArgumentException("numWorkers must be at least 0, got " + numWorkers);
        }
        if (parts < 1) {
            throw new IllegalArgumentException("parts must be at least 1, got " + parts);
        }
        this.numWorkers = numWorkers;
        this.parts = parts;
        this.workers = numWorkers == 0 ? null : Executors.newFixedThreadPool(numWorkers, r -> {
            Thread t = new Thread(() -> {
                IdlePriority.lowerThisThread();
                r.run();
            }, "lessr-collate");
            t.setDaemon(true);
            return t;
        });
    }

    /** Batches of {@code dataset} in the given sample {@code order}; a short last batch is dropped if asked. */
    public Iterator<GraphBatch> batches(AugmentedDataset dataset, int[] order, int batchSize, boolean dropLast) {
        return batches(dataset, order, batchSize, dropLast, Math.max(1, 2 * numWorkers));
    }

    /**
     * As {@link #batches(AugmentedDataset, int[], int, boolean)}, with the workers up to {@code ahead} batches
     * ahead of the caller (at least one; with zero workers each batch is built when asked for).
     */
    public Iterator<GraphBatch> batches(AugmentedDataset dataset, int[] order, int batchSize, boolean dropLast, int ahead) {
        if (ahead < 1) {
            throw new IllegalArgumentException("ahead must be at least 1, got " + ahead);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        List<int[]> chunks = new ArrayList<>();
        for (int from = 0; from < order.length; from += batchSize) {
            int to = Math.min(order.length, from + batchSize);
            if (to - from == batchSize || !dropLast) {
                chunks.add(Arrays.copyOfRange(order, from, to));
            }
        }
        if (workers == null) {
            return chunks.stream().map(c -> collate(dataset, c)).iterator();
        }
        return new Prefetching(dataset, chunks.iterator(), ahead);
    }

    /** Nanoseconds consumers of batches have waited for one not yet built, so far in this process. */
    public static long waitedNanos() {
        return WAITED.get();
    }

    /** The number of batches {@link #batches} yields. */
    public static int numBatches(int numSamples, int batchSize, boolean dropLast) {
        return dropLast ? numSamples / batchSize : (numSamples + batchSize - 1) / batchSize;
    }

    public static GraphBatch collate(AugmentedDataset dataset, int[] sampleIds) {
        List<int[]> prefixes = new ArrayList<>(sampleIds.length);
        int[] labels = new int[sampleIds.length];
        for (int i = 0; i < sampleIds.length; i++) {
            prefixes.add(dataset.prefix(sampleIds[i]));
            labels[i] = dataset.label(sampleIds[i]);
        }
        return GraphBatch.of(prefixes, labels);
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdownNow();
        }
    }

    private final class Prefetching implements Iterator<GraphBatch> {
        private final AugmentedDataset dataset;
        private final Iterator<int[]> chunks;
        private final ArrayDeque<Future<GraphBatch>> ahead = new ArrayDeque<>();
        private final int depth;

        Prefetching(AugmentedDataset dataset, Iterator<int[]> chunks, int depth) {
            this.dataset = dataset;
            this.chunks = chunks;
            this.depth = depth;
            fill();
        }

        private void fill() {
            while (ahead.size() < depth && chunks.hasNext()) {
                int[] chunk = chunks.next();
                ahead.add(workers.submit(() -> {
                    GraphBatch batch = collate(dataset, chunk);
                    if (parts > 1 && batch.size() >= parts) {
                        batch.parts(parts);
                    }
                    return batch;
                }));
            }
        }

        @Override
        public boolean hasNext() {
            return !ahead.isEmpty();
        }

        @Override
        public GraphBatch next() {
            if (ahead.isEmpty()) {
                throw new NoSuchElementException();
            }
            try {
                long start = System.nanoTime();
                GraphBatch batch = ahead.poll().get();
                WAITED.addAndGet(System.nanoTime() - start);
                fill();
                return batch;
            } catch (InterruptedException e) {
                // Kept for the caller, which stops between batches (a notebook's interrupt).
                Thread.currentThread().interrupt();
                CancellationException cancelled = new CancellationException("interrupted while waiting for a batch");
                cancelled.initCause(e);
                throw cancelled;
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }
    }
}

package io.lessr.train;

import io.lessr.data.AugmentedDataset;
import io.lessr.data.Permutations;
import io.lessr.graph.Collator;
import io.lessr.graph.GraphBatch;

import java.util.Iterator;
import java.util.Random;

/**
 * The batches a run trains and evaluates on, built on a {@link Collator}'s workers: each training
 * epoch shuffled by {@link RunSpec#epochSeed} (the short last batch dropped, as the walkthrough's
 * {@code DataLoader(shuffle=True, drop_last=True)}), the test set in order.
 *
 * <p>{@link #start(int)} starts an epoch's batches before they are asked for, far ahead. The command
 * line calls it before the PyTorch engine loads: the first epoch's graphs, and the JIT compiling the
 * code that builds them, then use the second core while the main thread links PyTorch, instead of
 * taking it from the training lanes during the first epoch (README, "Start-up").
 */
public final class EpochBatches implements AutoCloseable {
    /** How far ahead a started epoch is built: a few megabytes of graphs on the sample. */
    private static final int HEAD_START = 64;

    private final AugmentedDataset trainSet;
    private final AugmentedDataset testSet;
    private final RunSpec spec;
    private final Collator collator;
    private int startedEpoch = -1;
    private Iterator<GraphBatch> started;

    public EpochBatches(AugmentedDataset trainSet, AugmentedDataset testSet, RunSpec spec) {
        this.trainSet = trainSet;
        this.testSet = testSet;
        this.spec = spec;
        this.collator = new Collator(spec.numWorkers(), Lanes.COUNT);
    }

    /** Starts building epoch {@code epoch}'s training batches now; {@link #train} then hands them out. */
    public EpochBatches start(int epoch) {
        started = collator.batches(trainSet, order(epoch), spec.batchSize(), true, HEAD_START);
        startedEpoch = epoch;
        return this;
    }

    /** Epoch {@code epoch}'s training batches, in the epoch's shuffled order. */
    public Iterator<GraphBatch> train(int epoch) {
        if (epoch == startedEpoch) {
            Iterator<GraphBatch> batches = started;
            started = null;
            startedEpoch = -1;
            return batches;
        }
        return collator.batches(trainSet, order(epoch), spec.batchSize(), true);
    }

    /** The number of batches in a training epoch. */
    public int trainBatches() {
        return Collator.numBatches(trainSet.size(), spec.batchSize(), true);
    }

    /** The test set's batches, in order, the last one short. */
    public Iterator<GraphBatch> test() {
        return collator.batches(testSet, Permutations.identity(testSet.size()), spec.batchSize(), false);
    }

    /** Whether these are the batches of {@code train} and {@code test} under {@code spec}. */
    boolean isFor(AugmentedDataset train, AugmentedDataset test, RunSpec spec) {
        return trainSet == train && testSet == test && this.spec.equals(spec);
    }

    private int[] order(int epoch) {
        return Permutations.shuffled(trainSet.size(), new Random(spec.epochSeed(epoch))::nextInt);
    }

    @Override
    public void close() {
        collator.close();
    }
}

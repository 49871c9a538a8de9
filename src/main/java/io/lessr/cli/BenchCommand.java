package io.lessr.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.lessr.bench.BatchProfile;
import io.lessr.bench.NativeCalls;
import io.lessr.data.AugmentedDataset;
import io.lessr.data.SessionDataset;
import io.lessr.graph.Collator;
import io.lessr.graph.GraphBatch;
import io.lessr.model.Lessr;
import io.lessr.serve.Recommender;
import io.lessr.train.Memory;
import io.lessr.train.EpochResult;
import io.lessr.train.RunSpec;
import io.lessr.train.TrainRunner;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import ai.djl.util.cuda.CudaUtils;
import io.lessr.data.Permutations;
import io.lessr.model.SavedModel;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Random;

/** Throughput of collation, training and evaluation on a dataset; separate from the tests. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure collate, train and eval samples/s, seconds per epoch and peak memory.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--dataset-dir", description = "the dataset directory (default: the embedded data/synthetic)")
    Path datasetDir;

    @Option(names = "--epochs", defaultValue = "2", description = "timed epochs after one warm-up epoch (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--max-batches", description = "cap each epoch at this many training (and evaluation) batches, "
            + "taken from the first sessions, so that large datasets bench in minutes")
    Integer maxBatches;

    @Option(names = "--batch-size", description = "(default: the walkthrough's)")
    Integer batchSize;

    @Option(names = "--embedding-dim", description = "(default: the walkthrough's)")
    Integer embeddingDim;

    @Option(names = "--num-layers", description = "(default: the walkthrough's)")
    Integer numLayers;

    @Option(names = "--num-workers", description = "(default: the walkthrough's)")
    Integer numWorkers;

    @Mixin
    ThreadsOption threads;

    @Mixin
    DeviceOption device;

    @Option(names = "--recommend", description = "measure recommendation latency and throughput instead of training")
    boolean recommend;

    @Option(names = "--model", description = "with --recommend: a saved model (default: untrained weights for the dataset)")
    Path model;

    @Option(names = "--profile", description = "where a batch's time goes: native calls, Java, waits, per lane "
            + "(needs the kit's agent: LESSR_JAVA_OPTS=-javaagent:target/lessr.jar)")
    boolean profile;

    private RunSpec spec;

    @Override
    public Integer call() throws IOException {
        Path dir = datasetDir != null ? datasetDir : TrainCommand.embeddedDataset();
        RunSpec.Builder settings = RunSpec.builder().datasetDir(dir.toString()).epochs(epochs + 1).patience(Integer.MAX_VALUE)
                .logInterval(Integer.MAX_VALUE);
        if (batchSize != null) settings.batchSize(batchSize);
        if (embeddingDim != null) settings.embeddingDim(embeddingDim);
        if (numLayers != null) settings.numLayers(numLayers);
        if (numWorkers != null) settings.numWorkers(numWorkers);
        try {
            spec = settings.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(RunSpecOptions.inFlags(e.getMessage()), e);
        }
        int batchSize = spec.batchSize();
        int numWorkers = spec.numWorkers();
        SessionDataset dataset = SessionDataset.read(dir);
        AugmentedDataset train = new AugmentedDataset(capped(dataset.trainSessions()));
        AugmentedDataset test = new AugmentedDataset(capped(dataset.testSessions()));
        Device dev = device.device();
        System.out.printf("dataset %s: %d items, %d train / %d test samples; device %s; torch threads %s intra, %s inter; "
                        + "%d collate workers; DJL %s, PyTorch %s%n",
                dir, dataset.numItems(), train.size(), test.size(), dev,
                System.getProperty("ai.djl.pytorch.num_threads"), System.getProperty("ai.djl.pytorch.num_interop_threads"),
                numWorkers, Engine.getDjlVersion(), Engine.getEngine("PyTorch").getVersion());

        if (profile && !NativeCalls.installed()) {
            throw new IllegalArgumentException("--profile counts native calls with the kit's Java agent: run "
                    + "LESSR_JAVA_OPTS=-javaagent:target/lessr.jar target/lessr bench --profile ...");
        }
        if (recommend) {
            benchRecommend(dataset, test, dev);
            return 0;
        }
        int[] order = Permutations.identity(train.size());
        long t0 = System.nanoTime();
        int collated = 0;
        for (int rep = 0; rep < 3; rep++) {
            var it = new Collator(0).batches(train, order, batchSize, true);
            while (it.hasNext()) {
                GraphBatch b = it.next();
                collated += b.size();
            }
        }
        double collateSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("collate (1 thread): %.0f samples/s%n", collated / collateSeconds);

        try (NDManager manager = NDManager.newBaseManager(dev)) {
            Lessr model = Lessr.create(spec.config(dataset.numItems()), manager, spec.seed());
            TrainRunner runner = new TrainRunner(model, manager, train, test, spec,
                    new PrintStream(OutputStream.nullOutputStream()));
            threads.applyTo(runner);
            // PyTorch's peak-memory counters are not exposed: sample the device's use after each epoch.
            double[] gpuMiB = {0};
            List<BatchProfile> profiles = new ArrayList<>();
            BatchProfile.Snapshot[] mark = {BatchProfile.Snapshot.now()};
            int testBatches = Collator.numBatches(test.size(), batchSize, false);
            runner.listener(new TrainRunner.Listener() {
                @Override
                public void onBatch(int epoch, int batch, int numBatches, float loss) {
                    if (profile && batch == numBatches) {
                        BatchProfile.Snapshot now = BatchProfile.Snapshot.now();
                        profiles.add(new BatchProfile("epoch " + epoch + (epoch == 0 ? " (warm-up)" : "") + ", training",
                                numBatches, mark[0], now));
                        mark[0] = now;
                    }
                }

                @Override
                public void onEpoch(EpochResult result) {
                    if (dev.isGpu()) {
                        gpuMiB[0] = Math.max(gpuMiB[0], CudaUtils.getGpuMemory(dev).getUsed() / 1048576.0);
                    }
                    if (profile) {
                        BatchProfile.Snapshot now = BatchProfile.Snapshot.now();
                        profiles.add(new BatchProfile("epoch " + result.epoch() + (result.epoch() == 0 ? " (warm-up)" : "")
                                + ", evaluation", testBatches, mark[0], now));
                        mark[0] = now;
                    }
                }
            });
            runner.train();
            for (BatchProfile p : profiles) {
                p.print(System.out, 15);
            }
            if (dev.isGpu()) {
                System.out.printf("GPU memory in use after an epoch: at most %.0f MiB%n", gpuMiB[0]);
            }
            int trainSamples = Collator.numBatches(train.size(), batchSize, true) * batchSize;
            for (EpochResult r : runner.history()) {
                System.out.printf("epoch %d%s: train %.2f s (%.0f samples/s), eval %.2f s (%.0f samples/s), RSS %.0f MiB%n",
                        r.epoch(), r.epoch() == 0 ? " (warm-up)" : "", r.trainSeconds(), trainSamples / r.trainSeconds(),
                        r.evalSeconds(), test.size() / r.evalSeconds(), r.residentMiB());
            }
        }
        System.out.printf("peak RSS %.0f MiB%n", Memory.peakResidentMiB());
        return 0;
    }

    /** The first sessions that give {@code maxBatches} batches of prefixes (all of them without a cap). */
    private List<int[]> capped(List<int[]> sessions) {
        if (maxBatches == null) {
            return sessions;
        }
        long wanted = (long) maxBatches * spec.batchSize();
        long prefixes = 0;
        int n = 0;
        while (n < sessions.size() && prefixes < wanted) {
            prefixes += Math.max(0, sessions.get(n++).length - 1);
        }
        return sessions.subList(0, n);
    }

    private void benchRecommend(SessionDataset dataset, AugmentedDataset test, Device dev) throws IOException {
        List<List<Integer>> queries = new ArrayList<>();
        for (int i = 0; i < test.size(); i++) {
            queries.add(Arrays.stream(test.prefix(i)).boxed().toList());
        }
        Collections.shuffle(queries, new Random(0));
        try (NDManager manager = NDManager.newBaseManager(dev)) {
            Lessr m = model != null ? SavedModel.load(model, manager)
                    : Lessr.create(spec.config(dataset.numItems()), manager, spec.seed());
            try (Recommender r = new Recommender(m, manager, 1, 1)) {
                int n = Math.min(2000, queries.size());
                for (int i = 0; i < 200; i++) {
                    r.recommend(queries.get(i % queries.size()), 20);
                }
                long[] nanos = new long[n];
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    r.recommend(queries.get(i), 20);
                    nanos[i] = System.nanoTime() - t0;
                }
                Arrays.sort(nanos);
                System.out.printf("one session at a time (%d requests): p50 %.2f ms, p99 %.2f ms%n",
                        n, nanos[n / 2] / 1e6, nanos[(int) (n * 0.99)] / 1e6);
            }
            for (int[] setting : new int[][] {{Recommender.defaultWorkers(), 1}, {1, 256}, {Recommender.defaultWorkers(), 256}}) {
                try (Recommender r = new Recommender(m, manager, setting[0], setting[1])) {
                    r.recommendAll(queries.subList(0, Math.min(512, queries.size())), 20, false);
                    long t0 = System.nanoTime();
                    int done = 0;
                    for (int rep = 0; rep < 3; rep++) {
                        done += r.recommendAll(queries, 20, false).size();
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    System.out.printf("throughput, %d worker(s), batches of up to %d: %.0f sessions/s%n",
                            setting[0], setting[1], done / seconds);
                }
            }
        }
    }
}

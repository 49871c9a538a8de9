package io.lessr.serve;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.lessr.graph.GraphBatch;
import io.lessr.graph.SessionGraph;
import io.lessr.model.Attention;
import io.lessr.model.Lessr;
import io.lessr.model.EngineSettings;
import io.lessr.model.MklIntelPaths;
import io.lessr.model.SavedModel;
import io.lessr.model.torch.TorchWeights;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Top-K next-item recommendations from a trained LESSR model, safe to call from any number of
 * threads. Requests queue up for {@code workers} threads that share the model (read-only) and each
 * score up to {@code maxBatch} queued requests in one forward pass. Scores are the model's softmax
 * probabilities over all items.
 *
 * <p>With {@code maxBatch = 1} (the default) every session is scored on its own, so an answer is the
 * same bits however many other requests run at the same time. Batching ({@code maxBatch > 1}) raises
 * throughput under load several times, but libtorch's CPU kernels round a row differently depending
 * on the size of the tensor it sits in, so batched scores may differ from unbatched ones in the last
 * bit (about 1e-7 relative), and so may the order of near-ties.
 *
 * <pre>
 *   try (Recommender r = Recommender.load(Path.of("models/sample"))) {
 *       List&lt;Recommendation&gt; top = r.recommend(List.of(3, 17, 5), 20);
 *   }
 * </pre>
 */
public final class Recommender implements AutoCloseable {
    /** An item and its probability of being the next click. */
    public record Recommendation(int item, float score) {
        /** {@code item:score,...} with six decimals: the line {@code recommend --input} prints for a session. */
        public static String toText(List<Recommendation> top) {
            StringBuilder s = new StringBuilder();
            for (Recommendation r : top) {
                if (s.length() > 0) {
                    s.append(',');
                }
                s.append(r.item()).append(':').append(String.format(java.util.Locale.ROOT, "%.6f", r.score()));
            }
            return s.toString();
        }
    }

    private record Request(int[] session, int k, boolean excludeSeen, CompletableFuture<List<Recommendation>> result) {}

    private static final Request STOP = new Request(new int[0], 0, false, null);

    private final Lessr model;
    private final NDManager manager;
    private final boolean ownsManager;
    private final int maxBatch;
    private final BlockingQueue<Request> queue = new ArrayBlockingQueue<>(4096);
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean closed;

    /** Serves an in-memory model with the defaults; {@code manager} holds its parameters and stays the caller's. */
    public Recommender(Lessr model, NDManager manager) {
        this(model, manager, defaultWorkers(), 1, false);
    }

    /** Serves an in-memory model; {@code manager} holds its parameters and stays the caller's. */
    public Recommender(Lessr model, NDManager manager, int workers, int maxBatch) {
        this(model, manager, workers, maxBatch, false);
    }

    private Recommender(Lessr model, NDManager manager, int workers, int maxBatch, boolean ownsManager) {
        if (workers < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("workers and maxBatch must be positive, got " + workers + ", " + maxBatch);
        }
        this.model = model;
        this.manager = manager;
        this.ownsManager = ownsManager;
        this.maxBatch = maxBatch;
        // The forward pass renormalises the embedding in place; do it once here so that the workers
        // only read the model.
        model.renormalizeEmbedding();
        if (workers > 1) {
            EngineSettings.initializeSharedKernels();
        }
        for (int i = 0; i < workers; i++) {
            Thread worker = new Thread(this::serve, "lessr-recommender-" + i);
            worker.setDaemon(true);
            worker.start();
            this.workers.add(worker);
        }
    }

    static {
        MklIntelPaths.install(); // before this class's factories start the engine
    }

    /** One worker per core, since each runs single-threaded PyTorch kernels. */
    public static int defaultWorkers() {
        return java.lang.Runtime.getRuntime().availableProcessors();
    }

    /** Loads a model saved by {@code train --save-dir} on the default device (a GPU if there is one). */
    public static Recommender load(Path dir) {
        return load(dir, EngineSettings.device("auto"), defaultWorkers(), 1);
    }

    public static Recommender load(Path dir, Device device, int workers, int maxBatch) {
        NDManager manager = NDManager.newBaseManager(device);
        try {
            return new Recommender(SavedModel.load(dir, manager), manager, workers, maxBatch, true);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Serves a PyTorch state_dict of twchen/lessr's {@code LESSR} ({@code .pth}/{@code .pt} from {@code
     * torch.save(model.state_dict(), f)}, {@code .safetensors} or {@code .npz}) on the default device;
     * {@code numItems}, when given, must match it.
     */
    public static Recommender fromStateDict(Path file, Integer numItems) {
        NDManager manager = NDManager.newBaseManager(EngineSettings.device("auto"));
        try {
            return new Recommender(TorchWeights.load(file, numItems, 0, manager), manager, defaultWorkers(), 1, true);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public int numItems() {
        return model.config().numItems();
    }

    /** The {@code k} most likely next items after {@code session} (item ids in click order). */
    public List<Recommendation> recommend(List<Integer> session, int k) {
        return recommend(session, k, false);
    }

    /** As {@link #recommend(List, int)}; with {@code excludeSeen}, items already in the session are left out. */
    public List<Recommendation> recommend(List<Integer> session, int k, boolean excludeSeen) {
        return await(submit(session, k, excludeSeen));
    }

    /**
     * What the model looks at for {@code session} (eval mode): each SGAT layer's attention on the session's
     * shortcut edges, the readout's weight on each item, and the top {@code k}. Computed on the calling thread;
     * safe beside the workers, which only read the model too.
     */
    public Explanation explain(List<Integer> session, int k) {
        int[] items = validate(session, k);
        List<Recommendation> top = recommend(session, k);
        GraphBatch batch = GraphBatch.of(List.of(items), new int[1]);
        SessionGraph g = batch.graphs().get(0);
        try (NDManager scope = manager.newSubManager()) {
            NDList graph = batch.toNDList(scope);
            Attention a = model.attention(new ParameterStore(scope, false), graph);
            List<Explanation.Layer> sgat = new ArrayList<>();
            a.shortcut().forEach((layer, weights) -> {
                float[] w = weights.toFloatArray();
                List<Explanation.Edge> edges = new ArrayList<>(w.length);
                for (int e = 0; e < w.length; e++) {
                    edges.add(new Explanation.Edge(g.items()[g.shortcutSrc()[e]], g.items()[g.shortcutDst()[e]], w[e]));
                }
                sgat.add(new Explanation.Layer(layer, List.copyOf(edges)));
            });
            float[] alpha = a.readout().toFloatArray();
            List<Explanation.ItemWeight> readout = new ArrayList<>(alpha.length);
            for (int i = 0; i < alpha.length; i++) {
                readout.add(new Explanation.ItemWeight(g.items()[i], alpha[i]));
            }
            return new Explanation(List.copyOf(session), List.copyOf(sgat), List.copyOf(readout), top);
        }
    }

    /** Scores many sessions; they are batched together. */
    public List<List<Recommendation>> recommendAll(List<List<Integer>> sessions, int k, boolean excludeSeen) {
        List<CompletableFuture<List<Recommendation>>> futures = new ArrayList<>(sessions.size());
        for (List<Integer> s : sessions) {
            futures.add(submit(s, k, excludeSeen));
        }
        List<List<Recommendation>> out = new ArrayList<>(sessions.size());
        for (CompletableFuture<List<Recommendation>> f : futures) {
            out.add(await(f));
        }
        return out;
    }

    private CompletableFuture<List<Recommendation>> submit(List<Integer> session, int k, boolean excludeSeen) {
        int[] items = validate(session, k);
        if (closed) {
            throw new IllegalStateException("the recommender is closed");
        }
        CompletableFuture<List<Recommendation>> result = new CompletableFuture<>();
        try {
            queue.put(new Request(items, k, excludeSeen, result));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while queueing a request", e);
        }
        return result;
    }

    private int[] validate(List<Integer> session, int k) {
        if (session == null || session.isEmpty()) {
            throw new IllegalArgumentException("the session is empty: give at least one item id");
        }
        int n = numItems();
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("k must lie in [1, " + n + "], got " + k);
        }
        int[] items = new int[session.size()];
        for (int i = 0; i < items.length; i++) {
            Integer item = session.get(i);
            if (item == null || item < 0 || item >= n) {
                throw new IllegalArgumentException("unknown item id " + item + " at position " + i
                        + ": the model knows ids 0 to " + (n - 1));
            }
            items[i] = item;
        }
        return items;
    }

    private static List<Recommendation> await(CompletableFuture<List<Recommendation>> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a recommendation", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private void serve() {
        EngineSettings.noGradOnThisThread();
        ParameterStore ps = new ParameterStore(manager, false);
        List<Request> batch = new ArrayList<>(maxBatch);
        while (true) {
            batch.clear();
            try {
                Request first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    if (closed) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
            } catch (InterruptedException e) {
                return;
            }
            if (batch.get(0) == STOP) {
                queue.offer(STOP); // for the other workers
                return;
            }
            queue.drainTo(batch, maxBatch - 1);
            int stops = 0;
            while (batch.remove(STOP)) {
                stops++;
            }
            if (!batch.isEmpty()) {
                score(ps, batch);
            }
            if (stops > 0) {
                for (int i = 0; i < stops; i++) {
                    queue.offer(STOP); // for the other workers
                }
                return;
            }
        }
    }

    private void score(ParameterStore ps, List<Request> batch) {
        try (NDManager scope = manager.newSubManager()) {
            List<int[]> sessions = batch.stream().map(Request::session).toList();
            NDList graph = GraphBatch.of(sessions, new int[sessions.size()]).toNDList(scope);
            int maxSeen = 0;
            int maxK = 0;
            for (Request r : batch) {
                maxSeen = Math.max(maxSeen, r.excludeSeen ? r.session.length : 0);
                maxK = Math.max(maxK, r.k);
            }
            NDArray probabilities = model.predict(ps, graph).softmax(1);
            int top = Math.min(numItems(), maxK + maxSeen);
            NDList best = probabilities.topK(top, 1, true, true);
            float[] scores = best.get(0).toFloatArray();
            long[] items = best.get(1).toLongArray();
            for (int b = 0; b < batch.size(); b++) {
                Request r = batch.get(b);
                Set<Integer> seen = new HashSet<>();
                if (r.excludeSeen) {
                    Arrays.stream(r.session).forEach(seen::add);
                }
                List<Recommendation> out = new ArrayList<>(r.k);
                for (int j = 0; j < top && out.size() < r.k; j++) {
                    int item = (int) items[b * top + j];
                    if (!seen.contains(item)) {
                        out.add(new Recommendation(item, scores[b * top + j]));
                    }
                }
                r.result.complete(List.copyOf(out));
            }
        } catch (RuntimeException e) {
            batch.forEach(r -> r.result.completeExceptionally(e));
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            queue.put(STOP);
            for (Thread worker : workers) {
                worker.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Request> rest = new ArrayList<>();
        queue.drainTo(rest);
        rest.stream().filter(r -> r != STOP).forEach(r ->
                r.result.completeExceptionally(new IllegalStateException("the recommender is closed")));
        if (ownsManager) {
            manager.close();
        }
    }
}

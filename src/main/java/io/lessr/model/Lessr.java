package io.lessr.model;

import static io.lessr.graph.GraphBatch.ITEM_IDS;
import static io.lessr.graph.GraphBatch.LAST_NODES;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LESSR: item embeddings, {@code numLayers} graph layers (even layers {@link Eopa} on the EOP
 * multigraph, odd layers {@link Sgat} on the shortcut graph), each output concatenated in front of
 * its input ({@code feat = [out, feat]}), an {@link AttnReadout}, and the session representation
 * {@code sr = fc_sr(dropout(batch_norm([feat[last], readout])))} scored against every item.
 *
 * <p>The item embedding has max-norm 1, as {@code nn.Embedding(max_norm=1)}: every forward pass first
 * rescales, in place and outside autograd, each row whose L2 norm exceeds 1 by {@code 1 / (norm +
 * 1e-7)}. Since the walkthrough's forward looks up every item for the logits, all rows are renormalised
 * on every pass.
 *
 * <p>Inputs: the tensors of {@link io.lessr.graph.GraphBatch#toNDList}; output: {@code (sessions,
 * numItems)} logits.
 */
public final class Lessr extends TorchBlock {
    private final LessrConfig config;
    private final Parameter embedding;
    private final List<GraphLayer> layers = new ArrayList<>();
    private final AttnReadout readout;
    private final BatchNorm batchNorm;
    private final Dropout featDrop;
    private final Linear fcSr;
    private final List<Stage> stages = new ArrayList<>();

    public Lessr(LessrConfig config) {
        this.config = config;
        int d = config.embeddingDim();
        embedding = addParameter(Parameter.builder()
                .setName("embedding.weight")
                .setType(Parameter.Type.WEIGHT)
                .optInitializer(new NormalInitializer(1f))
                .optShape(new Shape(config.numItems(), d))
                .build());
        int inputDim = d;
        for (int i = 0; i < config.numLayers(); i++) {
            GraphLayer layer = i % 2 == 0
                    ? new Eopa(inputDim, d, config.batchNorm(), config.featDrop())
                    : new Sgat(inputDim, d, d, config.batchNorm(), config.featDrop());
            layers.add(child("layers." + i, layer, new Shape(1, inputDim)));
            inputDim += d;
        }
        readout = child("readout",
                new AttnReadout(inputDim, d, d, config.batchNorm(), config.featDrop()), new Shape(1, inputDim));
        inputDim += d;
        Shape in = new Shape(1, inputDim);
        batchNorm = config.batchNorm() ? child("batch_norm", batchNorm(), in) : null;
        featDrop = config.featDrop() > 0 ? child("feat_drop", dropout(config.featDrop()), in) : null;
        fcSr = child("fc_sr", linear(d, false), in);

        // lessr.py's forward, stage by stage: feat = [layer(feat), feat] for each layer;
        // sr = [feat[last], readout(feat)]; fc_sr(dropout(batch_norm(sr))).
        for (GraphLayer layer : layers) {
            stages.add(layer.stage((ps, feat, normed, dropped, graph, training) ->
                    NDArrays.concat(new NDList(layer.body(ps, normed, dropped, graph, training), feat), 1)));
        }
        stages.add(readout.stage((ps, feat, normed, dropped, graph, training) -> NDArrays.concat(new NDList(
                Rows.gather(feat, graph.get(LAST_NODES)), readout.body(ps, normed, dropped, graph, training)), 1)));
        stages.add(new Stage(batchNorm, featDrop, (float) config.featDrop(), inputDim, true,
                (ps, sr, normed, dropped, graph, training) -> apply(fcSr, ps, dropped, training)));
    }

    public LessrConfig config() {
        return config;
    }

    /**
     * A model with its parameters on {@code manager}, initialised as PyTorch initialises the walkthrough's
     * modules, from {@code seed} ({@link TorchInit}): the same seed, the same starting weights.
     */
    public static Lessr create(LessrConfig config, NDManager manager, long seed) {
        Lessr model = new Lessr(config).initialize(manager);
        TorchInit.apply(model, seed);
        return model;
    }

    /** Creates the parameters with DJL's initialisers; {@link #create} starts from PyTorch's instead. */
    public Lessr initialize(NDManager manager) {
        initialize(manager, DataType.FLOAT32, new Shape(1));
        return this;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList graph, boolean training, PairList<String, Object> params) {
        return new NDList(logits(ps, graph, training));
    }

    /**
     * Training and evaluation score sessions a block at a time ({@code io.lessr.train.BlockScoring}):
     * a batch's logits against every item are megabytes, and producing and consuming them block by
     * block keeps the product, the softmax and their gradients in the CPU's cache. A block holds
     * about 2 MB of logits, between 16 and 64 sessions (the sizes and what they gain were measured:
     * README, "How it is fast").
     */
    public int scoreBlock() {
        return Math.max(16, Math.min(64, (1 << 19) / config.numItems()));
    }

    /** Logits of every item for every session of the batch. */
    public NDArray logits(ParameterStore ps, NDList graph, boolean training) {
        return scores(ps, sessionRepresentations(ps, graph, training), training);
    }

    /**
     * The session representations {@code sr} (sessions, d) after renormalising the item embedding;
     * their product with the item embedding gives the logits ({@link #scores}).
     */
    public NDArray sessionRepresentations(ParameterStore ps, NDList graph, boolean training) {
        renormalizeEmbedding();
        return forwardRenormalized(ps, graph, training);
    }

    /** {@code sr @ embedding^T}: every item's logit for each session. */
    public NDArray scores(ParameterStore ps, NDArray sr, boolean training) {
        return Rows.matMul(sr, itemsTransposed(ps, sr, training));
    }

    private NDArray itemsTransposed(ParameterStore ps, NDArray sr, boolean training) {
        // A transposed parameter lands on the model's manager: move it to the batch's.
        return Rows.onto(sr, ps.getValue(embedding, sr.getDevice(), training).transpose());
    }

    /**
     * Eval-mode logits that only read the model, so that several threads may predict at once: the
     * embedding must already be renormalised ({@link #renormalizeEmbedding()}), as it is after any
     * forward pass and after no update since.
     */
    public NDArray predict(ParameterStore ps, NDList graph) {
        return scores(ps, predictRepresentations(ps, graph), false);
    }

    /**
     * Eval-mode session representations that only read the model, as {@link #predict}: several threads
     * may run it at once, each with a store of its own, once the embedding is renormalised.
     */
    public NDArray predictRepresentations(ParameterStore ps, NDList graph) {
        return forwardRenormalized(ps, graph, false);
    }

    /**
     * What the model looks at, in eval mode (the paper's two attentions): each SGAT layer's weight on every
     * shortcut edge (softmax over each node's incoming edges) and the readout's weight on every node (softmax
     * over each session's nodes). The forward pass runs up to the readout. As {@link #predict}, it only reads
     * the model: the embedding must already be renormalised.
     */
    public Attention attention(ParameterStore ps, NDList graph) {
        NDArray x = itemFeatures(ps, graph, false);
        Map<Integer, NDArray> sgat = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            Stage stage = stages.get(i);
            NDArray normed = stage.normalizedForEval(ps, x);
            if (layers.get(i) instanceof Sgat layer) {
                sgat.put(i, layer.attention(ps, normed, graph));
            }
            x = stage.body(ps, x, normed, normed, graph, false);
        }
        NDArray readoutInput = stages.get(layers.size()).normalizedForEval(ps, x);
        return new Attention(sgat, readout.attention(ps, readoutInput, graph));
    }

    private NDArray forwardRenormalized(ParameterStore ps, NDList graph, boolean training) {
        NDArray x = itemFeatures(ps, graph, training);
        for (Stage stage : stages) {
            x = stage.forward(ps, x, graph, training);
        }
        return x;
    }

    /** The embedding of each node's item: the input of the first {@link #stages() stage}. */
    public NDArray itemFeatures(ParameterStore ps, NDList graph, boolean training) {
        return Rows.gather(ps.getValue(embedding, graph.head().getDevice(), training), graph.get(ITEM_IDS));
    }

    /**
     * The forward pass after {@link #itemFeatures}, stage by stage, each opening with a batch norm:
     * the graph layers ({@code feat = [layer(feat), feat]}), the readout ({@code [feat[last],
     * readout(feat)]}), and the session representation ({@code fc_sr(dropout(batch_norm(.)))}).
     */
    public List<Stage> stages() {
        return List.copyOf(stages);
    }

    /** {@code torch.embedding_renorm_} with max norm 1 over every row. */
    public void renormalizeEmbedding() {
        try (NDManager scratch = embedding.getArray().getManager().newSubManager()) {
            NDArray weight = embedding.getArray().stopGradient(); // shares storage
            weight.attach(scratch);
            NDArray norms = weight.norm(2, new int[] {1}, true);
            weight.muli(NDArrays.where(norms.gt(1f), norms.add(1e-7f).pow(-1f), norms.onesLike()));
        }
    }

    public Parameter embedding() {
        return embedding;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(-1, config.numItems())};
    }
}

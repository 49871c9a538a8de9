package io.lessr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;

/**
 * A part of LESSR's forward pass that opens with a batch norm (when configured) and a dropout (when
 * the rate is positive) of its input {@code x}:
 *
 * <pre>
 *   normed  = batch_norm(x)
 *   dropped = dropout(normed)
 *   out     = body(x, normed, dropped)
 * </pre>
 *
 * Each graph layer, the readout and the session representation are one stage ({@link
 * Lessr#stages()}). Batch norm is the only operation that mixes the sessions of a batch, so a
 * training step can split the sessions between threads between these points and meet only at
 * them ({@code io.lessr.train.SplitPass}).
 */
public final class Stage {
    /** PyTorch's batch-norm epsilon and momentum ({@code running = (1 - momentum) * running + momentum * batch}). */
    public static final float EPSILON = 1e-5f;
    public static final float MOMENTUM = 0.1f;

    /** What a stage computes from its input and the input's normalised and dropped-out forms. */
    @FunctionalInterface
    public interface Body {
        NDArray apply(ParameterStore ps, NDArray x, NDArray normed, NDArray dropped, NDList graph, boolean training);
    }

    private final BatchNorm batchNorm;
    private final Dropout featDrop;
    private final float dropRate;
    private final int inputDim;
    private final boolean perSession;
    private final Body body;

    /** {@code perSession}: the input has a row per session (else one per node) of {@code inputDim} columns. */
    Stage(BatchNorm batchNorm, Dropout featDrop, float dropRate, int inputDim, boolean perSession, Body body) {
        this.batchNorm = batchNorm;
        this.featDrop = featDrop;
        this.dropRate = featDrop == null ? 0 : dropRate;
        this.inputDim = inputDim;
        this.perSession = perSession;
        this.body = body;
    }

    /** The stage on a whole batch. */
    public NDArray forward(ParameterStore ps, NDArray x, NDList graph, boolean training) {
        NDArray normed = batchNorm == null ? x : TorchBlock.apply(batchNorm, ps, x, training);
        NDArray dropped = featDrop == null ? normed : TorchBlock.apply(featDrop, ps, normed, training);
        return body.apply(ps, x, normed, dropped, graph, training);
    }

    /** The stage after its batch norm and dropout, which the caller has applied. */
    public NDArray body(ParameterStore ps, NDArray x, NDArray normed, NDArray dropped, NDList graph, boolean training) {
        return body.apply(ps, x, normed, dropped, graph, training);
    }

    /** The input after the batch norm in eval mode (running statistics); dropout is off in eval mode. */
    public NDArray normalizedForEval(ParameterStore ps, NDArray x) {
        return batchNorm == null ? x : TorchBlock.apply(batchNorm, ps, x, false);
    }

    public boolean normalizes() {
        return batchNorm != null;
    }

    /** The number of columns of the input. */
    public int inputDim() {
        return inputDim;
    }

    /** Whether the input has a row per session of the batch; otherwise it has one per node. */
    public boolean perSession() {
        return perSession;
    }

    /** 0 when the stage has no dropout. */
    public float dropRate() {
        return dropRate;
    }

    /** The batch norm's scale (PyTorch's {@code weight}); only when {@link #normalizes()}. */
    public Parameter gamma() {
        return batchNormParameter("gamma");
    }

    /** The batch norm's shift (PyTorch's {@code bias}). */
    public Parameter beta() {
        return batchNormParameter("beta");
    }

    public Parameter runningMean() {
        return batchNormParameter("runningMean");
    }

    public Parameter runningVar() {
        return batchNormParameter("runningVar");
    }

    private Parameter batchNormParameter(String name) {
        if (batchNorm == null) {
            throw new IllegalStateException("this stage has no batch norm");
        }
        return batchNorm.getParameters().get(name);
    }
}

package io.lessr.model;

/**
 * LESSR's hyper-parameters, named as the walkthrough's {@code LESSR(num_items, embedding_dim,
 * num_layers, batch_norm, feat_drop)} names them (here {@code featDrop} comes before {@code batchNorm});
 * the walkthrough's values are {@code io.lessr.train.RunSpec.walkthrough()}'s.
 */
public record LessrConfig(int numItems, int embeddingDim, int numLayers, double featDrop, boolean batchNorm) {

    public LessrConfig {
        if (numItems <= 0) {
            throw new IllegalArgumentException("numItems must be positive, got " + numItems);
        }
        if (embeddingDim <= 0) {
            throw new IllegalArgumentException("embeddingDim must be positive, got " + embeddingDim);
        }
        if (numLayers < 1) {
            throw new IllegalArgumentException("numLayers must be at least 1, got " + numLayers);
        }
        if (!(featDrop >= 0 && featDrop < 1)) {
            throw new IllegalArgumentException("featDrop must lie in [0, 1), got " + featDrop);
        }
    }

}

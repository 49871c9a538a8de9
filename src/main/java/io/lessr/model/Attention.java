package io.lessr.model;

import ai.djl.ndarray.NDArray;

import java.util.Map;

/**
 * The weights of LESSR's two attentions for a batch, from {@link Lessr#attention}.
 *
 * @param shortcut by SGAT layer (its index in {@code layers}): {@code a}, one weight per shortcut edge of the batch
 *     (in the batch's edge order), summing to 1 over each node's incoming edges
 * @param readout {@code alpha}, one weight per node of the batch, summing to 1 over each session's nodes
 */
public record Attention(Map<Integer, NDArray> shortcut, NDArray readout) {}

package io.lessr.exercise;

/** The layer a check asks the notebook to build: its widths, batch norm, and dropout rate. */
public record LayerSpec(int inputDim, int outputDim, boolean batchNorm, double featDrop) {}

package io.lessr.train;

import java.util.Map;

/** One epoch: mean training loss, seconds spent training and evaluating, the test metrics, and the resident memory at its end. */
public record EpochResult(int epoch, double meanLoss, double trainSeconds, double evalSeconds,
        Map<String, Double> metrics, double residentMiB) {}

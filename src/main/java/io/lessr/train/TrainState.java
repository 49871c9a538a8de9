package io.lessr.train;

import java.util.List;
import java.util.Map;

/**
 * Where a run stands after an epoch: the last epoch, the batch counter and the loss summed since the
 * last log line, whether early stopping ended it, each metric's best value and epoch, the epochs
 * since any metric improved, and the history. With the {@link RunSpec}, the model and the optimiser's
 * moments it is all a resumed run needs: randomness is seeded from (seed, epoch).
 */
public record TrainState(int epoch, int batch, double logLoss, boolean stopped, Map<String, Double> best,
        Map<String, Integer> bestEpochs, int badEpochs, List<EpochResult> history) {}

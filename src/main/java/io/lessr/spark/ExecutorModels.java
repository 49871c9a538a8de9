package io.lessr.spark;

import io.lessr.model.EngineSettings;
import io.lessr.serve.Recommender;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.spark.util.LongAccumulator;

/**
 * The saved models of one JVM (an executor, or the driver in local mode), each loaded once and
 * shared by every task that runs there: loading a model reads its parameters and starts the
 * engine, which would cost more than scoring a partition. They live as long as the JVM.
 */
final class ExecutorModels {
    private static final ConcurrentMap<String, Recommender> MODELS = new ConcurrentHashMap<>();

    private ExecutorModels() {}

    /**
     * The recommender for {@code model}; the first call in this JVM loads it on
     * {@code device} with {@code workers} scoring threads and counts the load in {@code loads}.
     */
    static Recommender get(ShippedModel model, String device, int workers, int maxBatch, LongAccumulator loads) {
        String key = model.name() + "/" + device + "/" + workers + "/" + maxBatch;
        return MODELS.computeIfAbsent(key, k -> {
            Recommender r = Recommender.load(model.unpack(), EngineSettings.device(device), workers, maxBatch);
            loads.add(1);
            return r;
        });
    }
}

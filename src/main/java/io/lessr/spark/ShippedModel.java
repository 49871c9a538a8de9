package io.lessr.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.broadcast.Broadcast;

/** A saved model's files, broadcast to the executors under a name made from their content. */
record ShippedModel(String name, Broadcast<Map<String, byte[]>> files) implements Serializable {
    /** Writes the files this JVM received into a model folder of its own. */
    Path unpack() {
        try {
            Path dir = Files.createTempDirectory(name);
            dir.toFile().deleteOnExit();
            for (Map.Entry<String, byte[]> f : files.value().entrySet()) {
                Path target = dir.resolve(f.getKey());
                Files.write(target, f.getValue());
                target.toFile().deleteOnExit();
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model " + name + " on this executor: " + e.getMessage(), e);
        }
    }
}

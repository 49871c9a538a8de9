package io.lessr.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Weights written in place stay the parameters autograd knows, on a thread with or without gradient recording. */
class TorchInitTest {
    @BeforeAll
    static void engine() {
        EngineSettings.configureDefaults();
    }

    @Test
    void copyIntoWritesALeafThatRequiresGradWithRecordingOnOrOff() {
        for (boolean recording : new boolean[] {true, false}) {
            try (NDManager manager = NDManager.newBaseManager()) {
                JniUtils.setGradMode(recording); // a notebook cell's thread records, the CLI's does not
                NDArray weight = manager.zeros(new Shape(2, 3));
                weight.setRequiresGradient(true);
                float[] values = {1, 2, 3, 4, 5, 6};
                TorchInit.copyInto(weight, values);
                assertArrayEquals(values, weight.toFloatArray());
                assertEquals(new Shape(2, 3), weight.getShape());
                // Still the leaf: a backward pass reaches it.
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    collector.backward(weight.mul(weight).sum());
                }
                assertArrayEquals(new float[] {2, 4, 6, 8, 10, 12}, weight.getGradient().toFloatArray());
            } finally {
                EngineSettings.noGradOnThisThread();
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameWeights() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LessrConfig config = new LessrConfig(50, 8, 3, 0.2, true);
            Lessr a = Lessr.create(config, manager, 5);
            Lessr b = Lessr.create(config, manager, 5);
            Lessr c = Lessr.create(config, manager, 6);
            float[] ea = a.embedding().getArray().toFloatArray();
            assertArrayEquals(ea, b.embedding().getArray().toFloatArray());
            assertTrue(!java.util.Arrays.equals(ea, c.embedding().getArray().toFloatArray()));
        }
    }
}

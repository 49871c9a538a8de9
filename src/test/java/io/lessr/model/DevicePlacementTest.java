package io.lessr.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lessr.graph.GraphBatch;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The device choice and the data movement, checked on a CPU-only machine: what {@code --device}
 * resolves to, where each batch tensor goes (the rule is also checked for a GPU device, which
 * needs no GPU), and that a forward pass keeps parameters, batch and scores on the model's device.
 */
class DevicePlacementTest {
    @BeforeAll
    static void engine() {
        EngineSettings.configureDefaults();
    }

    @Test
    void deviceNamesResolveOrFailClearly() {
        assertEquals(Device.cpu(), EngineSettings.device("cpu"));
        assertEquals(Device.cpu(), EngineSettings.device(" CPU "));
        int gpus = Engine.getEngine("PyTorch").getGpuCount();
        assertEquals(gpus > 0 ? Device.gpu() : Device.cpu(), EngineSettings.device("auto"));
        assertEquals(EngineSettings.device("auto"), EngineSettings.device(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EngineSettings.device("gpu:" + gpus));
        assertTrue(e.getMessage().contains("cuda profile"), e.getMessage());
        if (gpus == 0) {
            assertThrows(IllegalArgumentException.class, () -> EngineSettings.device("gpu"));
            assertThrows(IllegalArgumentException.class, () -> EngineSettings.device("cuda"));
        }
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> EngineSettings.device("tpu"));
        assertTrue(unknown.getMessage().contains("auto, cpu, gpu or gpu:N"), unknown.getMessage());
    }

    @Test
    void everyBatchTensorButTheStepSizesGoesToTheModelsDevice() {
        for (Device device : List.of(Device.cpu(), Device.gpu(0), Device.gpu(1))) {
            for (int i = 0; i <= GraphBatch.EOP_STEPS; i++) {
                assertEquals(i == GraphBatch.EOP_STEPS ? Device.cpu() : device, GraphBatch.placement(i, device), "tensor " + i);
            }
        }
    }

    @Test
    void aForwardPassStaysOnTheModelsDevice() {
        Device device = EngineSettings.device("auto");
        try (NDManager manager = NDManager.newBaseManager(device)) {
            Lessr model = new Lessr(new LessrConfig(20, 8, 3, 0.2, true)).initialize(manager);
            TorchNames.of(model).forEach((name, p) -> assertEquals(device, p.getArray().getDevice(), name));
            GraphBatch batch = GraphBatch.of(List.of(new int[] {1, 2, 1, 3}, new int[] {4}), new int[] {5, 6});
            try (NDManager scope = manager.newSubManager()) {
                NDList graph = batch.toNDList(scope);
                for (int i = 0; i < graph.size(); i++) {
                    assertEquals(GraphBatch.placement(i, device), graph.get(i).getDevice(), "tensor " + i);
                }
                EngineSettings.noGradOnThisThread();
                NDArray logits = model.logits(new ParameterStore(scope, false), graph, false);
                assertEquals(device, logits.getDevice());
                assertEquals(device, batch.labels(scope).getDevice());
            }
        }
    }
}

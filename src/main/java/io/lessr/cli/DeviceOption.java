package io.lessr.cli;

import ai.djl.Device;
import io.lessr.model.EngineSettings;

import picocli.CommandLine.Option;

/** {@code --device}, shared by the commands that run the model. */
final class DeviceOption {
    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, gpu or gpu:N (default: ${DEFAULT-VALUE})")
    String name;

    /** Checks the name without starting the engine: an unknown device is an error naming it. */
    void check() {
        EngineSettings.checkDeviceName(name);
    }

    /** The device, checked: an unknown one or a GPU the engine does not see is an error naming it. */
    Device device() {
        return EngineSettings.device(name);
    }
}

package io.lessr.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;

/**
 * Engine settings the kit relies on, applied before DJL starts: offline (nothing is downloaded at run
 * time) and one intra-op and one inter-op PyTorch thread unless the user chose otherwise. On these
 * small machines two busy PyTorch threads fight over two cores and make every kernel several times
 * slower; collation runs on its own threads anyway.
 */
public final class EngineSettings {
    private EngineSettings() {}

    /**
     * Turns PyTorch's gradient recording off for the calling thread. Grad mode is per thread in
     * PyTorch and on by default: DJL turns it off only on the thread that starts the engine, so every
     * other thread that evaluates or updates parameters (a notebook cell, a server worker) must do it.
     */
    public static void noGradOnThisThread() {
        JniUtils.setGradMode(false);
    }

    private static boolean kernelsInitialized;

    /**
     * Runs once, on the calling thread, the kernels that libtorch sets up on their first call without a
     * lock, before several threads run the model at once: two training lanes meeting {@code tanh} (the
     * GRU's, MKL's vector math on the CPU) for the first time together gave values differing in the
     * last bits, so about one fresh two-lane run in twelve printed another loss (README, "Side by side
     * with PyTorch").
     */
    public static synchronized void initializeSharedKernels() {
        if (kernelsInitialized) {
            return;
        }
        try (NDManager scratch = NDManager.newBaseManager(Device.cpu())) {
            scratch.ones(new Shape(512, 32)).tanh();
        }
        kernelsInitialized = true;
    }

    /**
     * Loads PyTorch's native libraries on a daemon thread, so that the engine's first use finds them
     * linked: most of an engine start is the dynamic linking of {@code libtorch_cpu} (README, "Start-up").
     * The engine itself still starts on the thread that first uses it (DJL turns gradient recording
     * off there and applies the thread settings then). A failure here is left for that first use to
     * report.
     */
    public static void preloadInBackground() {
        configureDefaults();
        Thread t = new Thread(() -> {
            try {
                LibUtils.loadLibrary();
            } catch (RuntimeException | LinkageError e) {
                // the engine's first use loads again and reports it
            }
        }, "lessr-engine-preload");
        t.setDaemon(true);
        t.start();
    }

    public static void configureDefaults() {
        MklIntelPaths.install();
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("ai.djl.pytorch.num_threads", "1");
        setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
        setIfAbsent("ai.djl.pytorch.graph_optimizer", "false");
        setIfAbsent("org.slf4j.simpleLogger.log.ai.djl", "warn");
        // "Failed to detect GPU count" is the normal answer on a machine without a GPU.
        setIfAbsent("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
    }

    /**
     * The device for {@code name}: {@code cpu}, {@code gpu} / {@code cuda} (GPU 0), {@code gpu:N}, or
     * {@code auto}: the first GPU when the engine sees one, else the CPU.
     */
    public static Device device(String name) {
        configureDefaults();
        String n = checkDeviceName(name);
        return switch (n) {
            case "auto" -> Engine.getEngine("PyTorch").getGpuCount() > 0 ? Device.gpu() : Device.cpu();
            case "cpu" -> Device.cpu();
            case "gpu", "cuda" -> requireGpu(0);
            default -> requireGpu(Integer.parseInt(n.substring(n.indexOf(':') + 1)));
        };
    }

    /**
     * {@code name} in the form {@link #device} takes (trimmed, lower case), checked without starting the
     * engine: an unknown name is an error naming it.
     */
    public static String checkDeviceName(String name) {
        String n = name == null ? "auto" : name.trim().toLowerCase();
        if (!n.matches("auto|cpu|gpu|cuda|(gpu|cuda):\\d+")) {
            throw new IllegalArgumentException("unknown device '" + name + "': use auto, cpu, gpu or gpu:N");
        }
        return n;
    }

    private static Device requireGpu(int index) {
        int count = Engine.getEngine("PyTorch").getGpuCount();
        if (index >= count) {
            throw new IllegalArgumentException("GPU " + index + " requested but the engine sees " + count
                    + " GPU(s); build with the cuda profile (mvn -Pcuda package) on a machine with an NVIDIA driver");
        }
        return Device.gpu(index);
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}

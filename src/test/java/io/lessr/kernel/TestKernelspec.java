package io.lessr.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A kernelspec that starts the kernel from this build's classes, for tests that drive Jupyter. */
public final class TestKernelspec {
    private TestKernelspec() {}

    /** Writes {@code jupyterDir/kernels/lessr-java/kernel.json}; point JUPYTER_PATH at {@code jupyterDir}. */
    public static void write(Path jupyterDir) throws IOException {
        Path dir = Files.createDirectories(jupyterDir.resolve("kernels").resolve(KernelMain.KERNEL_NAME));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(dir.resolve("kernel.json"), "{\"argv\": [" + q(java) + ", " + q(KernelMain.NATIVE_ACCESS) + ", \"-cp\", "
                + q(System.getProperty("java.class.path")) + ", \"io.lessr.kernel.KernelMain\", \"{connection_file}\"],"
                + " \"display_name\": \"Java (LESSR kit, test)\", \"language\": \"java\", \"interrupt_mode\": \"message\"}");
    }

    private static String q(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}

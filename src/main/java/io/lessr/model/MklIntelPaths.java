package io.lessr.model;

import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Lets libtorch's MKL run the code of the CPU's instruction set on any x86_64 Linux CPU, not only on
 * Intel's. MKL asks {@code mkl_serv_intel_cpu_true()} and, on other vendors' CPUs, runs its compatible
 * branch: float GEMMs well below the CPU's speed (README, "MKL on AMD's CPUs"), and bits that differ
 * from an Intel machine's. This loads a library of that one function answering yes ({@code src/main/c})
 * into the process's global symbol scope; libtorch, loaded later, binds its MKL's call to it, and MKL
 * picks its branch from the CPU's features. On an Intel CPU nothing changes.
 *
 * <p>It must run before the engine loads libtorch: the kit's entry points call it (through {@link
 * EngineSettings#configureDefaults()}, and {@code Recommender.load}); afterwards it changes nothing.
 */
public final class MklIntelPaths {
    private static final String RESOURCE = "/native/linux-x86_64/libmkl_intel_cpu.so";
    private static boolean installed;
    /** Held for the life of the process: JNA closes a library whose NativeLibrary is collected. */
    private static NativeLibrary library;

    private MklIntelPaths() {}

    /** Loads the library once, where it applies (x86_64 Linux); a failure only leaves MKL's own choice. */
    public static synchronized void install() {
        if (installed || !System.getProperty("os.name").equals("Linux") || !System.getProperty("os.arch").equals("amd64")) {
            return;
        }
        installed = true;
        Path file = null;
        try (InputStream in = MklIntelPaths.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return;
            }
            file = Files.createTempFile("lessr-mkl-intel-cpu", ".so");
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            // JNA opens with RTLD_GLOBAL: the symbol joins the scope later libraries bind against.
            library = NativeLibrary.getInstance(file.toString());
        } catch (IOException | RuntimeException | LinkageError e) {
            // MKL keeps its own branch: slower on some CPUs, the results as correct
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file); // the mapping stays; nothing is left on disk
                } catch (IOException ignored) {
                    // a temporary file
                }
            }
        }
    }
}

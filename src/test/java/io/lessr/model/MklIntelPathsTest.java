package io.lessr.model;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.sun.jna.NativeLibrary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * libtorch's MKL runs the branch of the CPU's instruction set, not its compatible one, whoever made
 * the CPU: without {@link MklIntelPaths} it picks the compatible branch on an AMD CPU.
 */
class MklIntelPathsTest {
    /** mkl_service.h's MKL_CBWR_COMPATIBLE: the generic code MKL runs on CPUs it does not know. */
    private static final int MKL_CBWR_COMPATIBLE = 2;

    @Test
    void mklRunsTheBranchOfTheCpusInstructionSet() throws Exception {
        String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
        String vendor = cpuinfo.lines().filter(l -> l.startsWith("vendor_id")).findFirst().orElse("vendor_id: ?")
                .replaceAll("^.*:\\s*", "");
        assertTrue(cpuinfo.contains(" avx2"), "this test expects an x86_64 CPU with AVX2");
        EngineSettings.configureDefaults();
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.ones(new Shape(64, 32)).matMul(manager.ones(new Shape(32, 64))).getFloat(0, 0);
        }
        String libtorch;
        try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
            libtorch = maps.filter(l -> l.endsWith("/libtorch_cpu.so")).findFirst().orElseThrow().replaceAll("^.* ", "");
        }
        int branch = NativeLibrary.getInstance(libtorch).getFunction("mkl_serv_cbwr_get_auto_branch").invokeInt(new Object[0]);
        assertNotEquals(MKL_CBWR_COMPATIBLE, branch, "MKL's branch on this CPU (" + vendor + ")");
    }
}

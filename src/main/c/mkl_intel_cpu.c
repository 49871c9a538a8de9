/*
 * MKL's answer to "is this an Intel CPU?", always yes: libtorch's MKL (statically linked into
 * libtorch_cpu.so, calling this exported function through its PLT) otherwise runs its compatible
 * branch, generic code, on every other vendor's CPU, whatever its instruction set. With this answer
 * it picks its branch from the CPU's features, as on an Intel CPU with the same ones (README, "MKL on
 * AMD's CPUs").
 * io.lessr.model.MklIntelPaths loads it with RTLD_GLOBAL before libtorch, which then binds to it.
 *
 * Built into src/main/resources/native/linux-x86_64/libmkl_intel_cpu.so by scripts/build-mkl-intel-cpu.sh.
 */
int mkl_serv_intel_cpu_true(void) {
    return 1;
}

#!/usr/bin/env bash
# Rebuilds the one-function library of src/main/c/mkl_intel_cpu.c that the kit ships (x86_64 Linux), so
# that building the kit needs no C compiler. Needs gcc.
set -euo pipefail
cd "$(dirname "$0")/.."
out=src/main/resources/native/linux-x86_64/libmkl_intel_cpu.so
gcc -shared -fPIC -O2 -nostdlib -s -Wl,--build-id=none -Wl,-z,noexecstack -o "$out" src/main/c/mkl_intel_cpu.c
echo "$out: $(stat -c %s "$out") bytes"

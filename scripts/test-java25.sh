#!/usr/bin/env bash
# The core of the suite on Java 25: golden parity, the kernel (its own tests, Jupyter's conformance suite,
# the protocol probes), the command line, and the Binder build (no JVM warning from the launcher, java -jar
# or the kernel). The notebooks and JupyterLab 4 run on Java 17 here and on Java 21 in CI's fresh Debian 13. Temurin's JDK 25 where the
# machine has one (these machines carry it under /usr/lib/jvm); else Debian 13's openjdk-25-jdk-headless,
# in the Debian 13 root (scripts/debian13.sh). Run scripts/setup-jupyter.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
CORE=GoldenParityTest,JavaKernelTest,KernelConformanceTest,KernelProtocolTest,MainTest,QuietRunTest,BinderSetupTest
jdk=$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -n 1 || true)
if [ -n "$jdk" ]; then
    "$jdk/bin/java" -version 2>&1 | head -n 1
    JAVA_HOME=$jdk mvn -B test -Dtest="$CORE"
else
    root=$(scripts/debian13.sh root jdk25)
    repo=$(pwd -P)
    m2=$(mvn -B -q help:evaluate -Dexpression=settings.localRepository -DforceStdout)
    mkdir -p "$m2"
    scripts/debian13.sh run "$root" --bind "$repo" --bind "$m2" -- /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 JAVA_HOME=/usr/lib/jvm/java-25-openjdk-amd64 \
        sh -c "cd '$repo' && java -version 2>&1 | head -n 1 && mvn -B -Dmaven.repo.local='$m2' test -Dtest='$CORE'"
fi

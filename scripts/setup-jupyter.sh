#!/usr/bin/env bash
# Installs, from Debian's packages, the Jupyter pieces the tests use: the kernel conformance suite,
# nbconvert/nbclient to execute notebooks headless, JupyterLab 4 for the browser tests, the classic
# Notebook, Chromium and its driver for Selenium, and NumPy, the oracle for the preprocessing's replica of
# numpy.argsort. Debian 13 packages JupyterLab 4 (`jupyterlab`) and PyTorch 2.6 with safetensors (the other
# side of the state_dict import and export tests); Debian 12 has no JupyterLab 4 and no safetensors, so there
# this also makes the cached Debian 13 root that the browser tests serve JupyterLab 4 from and the state_dict
# tests run PyTorch in (scripts/debian13.sh). PyTorch (1.13 on Debian 12) with OpenBLAS is also the other side of
# scripts/bench/side_by_side.py: Debian's python3-torch calls whatever libblas.so.3 is installed, and the
# reference BLAS it otherwise gets makes it several times slower.
# Does nothing when they are already there. Needs root (or sudo) the first time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
PACKAGES="python3-jupyter-kernel-test jupyter-client jupyter-nbconvert python3-nbconvert python3-nbclient python3-numpy
  python3-jupyter-server python3-jupyterlab-server jupyter-notebook chromium chromium-driver fonts-dejavu-core
  python3-torch libopenblas0-pthread"
MODULES="jupyter_kernel_test, jupyter_client, nbconvert, nbclient, numpy, jupyter_server, jupyterlab_server, notebook, torch"
. /etc/os-release
case "${VERSION_CODENAME:-}" in
    bullseye|bookworm) lab_in_root=yes ;;
    *) lab_in_root=no; PACKAGES="$PACKAGES jupyterlab python3-safetensors"
       MODULES="$MODULES, jupyterlab, safetensors" ;;
esac

ready() {
    /usr/bin/python3 -c "import $MODULES" 2>/dev/null && dpkg -s libopenblas0-pthread >/dev/null 2>&1 && [ -x /usr/bin/jupyter ] && [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]
}

if ! ready; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $PACKAGES >/dev/null
    /usr/bin/python3 -c "import $MODULES"
    echo "Jupyter test tools installed: $(/usr/bin/jupyter nbconvert --version | head -1) nbconvert, $(/usr/bin/chromium --version)"
fi
if [ "$lab_in_root" = yes ]; then
    echo "JupyterLab 4 for the browser tests: $("$here/debian13.sh" root lab)"
fi

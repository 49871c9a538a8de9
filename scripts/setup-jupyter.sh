#!/usr/bin/env bash
# Installs, from Debian's packages, the Jupyter pieces the tests use: the kernel conformance suite,
# nbconvert/nbclient to execute notebooks headless, jupyter_server and jupyterlab_server to serve the
# JupyterLab front end that the browser tests build from npm (src/test/jupyterlab), the classic Notebook,
# Chromium and its driver for Selenium, and NumPy, the oracle for the preprocessing's replica of numpy.argsort.
# Does nothing when they are already there. Needs root (or sudo) the first time.
set -euo pipefail
PACKAGES="python3-jupyter-kernel-test jupyter-client jupyter-nbconvert python3-nbconvert python3-nbclient python3-numpy
  python3-jupyter-server python3-jupyterlab-server jupyter-notebook chromium chromium-driver fonts-dejavu-core"
if /usr/bin/python3 -c "import jupyter_kernel_test, jupyter_client, nbconvert, nbclient, numpy, jupyter_server, jupyterlab_server, notebook" 2>/dev/null \
    && [ -x /usr/bin/jupyter ] && [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $PACKAGES >/dev/null
/usr/bin/python3 -c "import jupyter_kernel_test, jupyter_client, nbconvert, nbclient, numpy, jupyter_server, jupyterlab_server, notebook"
echo "Jupyter test tools installed: $(/usr/bin/jupyter nbconvert --version | head -1) nbconvert, $(/usr/bin/chromium --version)"

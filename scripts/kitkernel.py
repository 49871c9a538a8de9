"""The kit's kernel for the scripts that execute notebooks (store-notebooks.py, exercises.py): a temporary
kernelspec that starts the kernel from target/lessr.jar, written by the kernel's own `install` (the JVM
options are the installed kernelspec's, kept in one place: io.lessr.kernel.KernelMain)."""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
NAME = "lessr-java"


def kernelspec(jupyter_dir):
    """Writes the kernelspec under jupyter_dir (put it first on JUPYTER_PATH) and returns its name."""
    jar = ROOT / "target" / "lessr.jar"
    if not jar.is_file():
        sys.exit(f"{jar} is missing: build it first with mvn -B -q package -DskipTests")
    java = pathlib.Path(os.environ.get("JAVA_HOME", "/usr")) / "bin" / "java"
    with tempfile.TemporaryDirectory() as prefix:
        p = subprocess.run([str(java), "-cp", str(jar), "io.lessr.kernel.KernelMain", "install", "--prefix", prefix],
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"the kernel's install failed (exit {p.returncode}):\n{p.stderr[-2000:]}")
        kernels = pathlib.Path(jupyter_dir) / "kernels"
        kernels.mkdir(parents=True, exist_ok=True)
        shutil.move(str(pathlib.Path(prefix) / "share" / "jupyter" / "kernels" / NAME), str(kernels / NAME))
    return NAME

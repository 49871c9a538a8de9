"""The kit's kernel for the scripts that execute notebooks (store-notebooks.py, exercises.py): a temporary
kernelspec that starts the kernel from target/lessr.jar, as the installed kernelspec does."""
import json
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
NAME = "lessr-java"


def kernelspec(jupyter_dir):
    """Writes the kernelspec under jupyter_dir (put it first on JUPYTER_PATH) and returns its name."""
    jar = ROOT / "target" / "lessr.jar"
    if not jar.is_file():
        sys.exit(f"{jar} is missing: build it first with mvn -B -q package -DskipTests")
    java = pathlib.Path(os.environ.get("JAVA_HOME", "/usr")) / "bin" / "java"
    spec = pathlib.Path(jupyter_dir) / "kernels" / NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(java), "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-Xmn24m", "-cp", str(jar), "io.lessr.kernel.KernelMain",
                 "{connection_file}"],  # as the installed kernelspec runs it
        "display_name": "Java (LESSR kit)", "language": "java", "interrupt_mode": "message"}))
    return NAME

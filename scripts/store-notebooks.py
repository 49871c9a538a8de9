#!/usr/bin/python3
"""Runs the notebooks top to bottom with the kit's kernel and stores their outputs in place, so that GitHub
and nbviewer show the graphs, tables and plots without running anything.

    mvn -B -q package -DskipTests
    java -jar target/lessr.jar download            # the walkthrough's sample in data/sample (or --url MIRROR)
    scripts/store-notebooks.py                     # every notebook in notebooks/, full runs
    scripts/store-notebooks.py --quick notebooks/recommend.ipynb

The kernel is started from target/lessr.jar through a temporary kernelspec. The inlined Plotly library
(4.5 MB) is left out of the stored notebooks: each plot's output keeps its static picture, and Plotly is
inlined again whenever the notebook runs. A notebook whose run fails, or whose outputs hold an error or
stderr output, is left as it was.
"""
import argparse
import os
import pathlib
import re
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient

from kitkernel import ROOT, kernelspec

LIBRARY = re.compile(re.escape("/*<lessr-plotly-library>*/") + ".*?" + re.escape("/*</lessr-plotly-library>*/"), re.S)
MAX_BYTES = 2 << 20


def problems(nb):
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error" or (out.output_type == "stream" and out.name == "stderr"):
                found.append(f"cell {i}: {str(out)[:300]}")
    return found


def merge_streams(nb):
    """Consecutive writes to one stream as one output, as a reader sees them."""
    for cell in nb.cells:
        merged = []
        for out in cell.get("outputs", []):
            if (out.output_type == "stream" and merged and merged[-1].output_type == "stream"
                    and merged[-1].name == out.name):
                merged[-1].text += out.text
            else:
                merged.append(out)
        if "outputs" in cell:
            cell.outputs = merged


def strip_library(nb):
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html")
            if html is not None:
                out["data"]["text/html"] = LIBRARY.sub("", html if isinstance(html, str) else "".join(html))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="run with LESSR_QUICK=1 (short training)")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds a cell may take")
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path)
    args = parser.parse_args()
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    with tempfile.TemporaryDirectory() as tmp:
        kernelspec(pathlib.Path(tmp))
        os.environ["JUPYTER_PATH"] = tmp
        os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
        if args.quick:
            os.environ["LESSR_QUICK"] = "1"
        else:
            os.environ.pop("LESSR_QUICK", None)
        failed = False
        for path in notebooks:
            path = path.resolve()
            nb = nbformat.read(path, as_version=4)
            start = time.time()
            NotebookClient(nb, timeout=args.timeout, kernel_name="lessr-java",
                           resources={"metadata": {"path": str(path.parent)}}).execute()
            strip_library(nb)
            merge_streams(nb)
            found = problems(nb)
            if found:
                print(f"{path.name}: not stored, its outputs hold errors:\n  " + "\n  ".join(found), file=sys.stderr)
                failed = True
                continue
            text = nbformat.writes(nb) + "\n"
            if len(text.encode()) > MAX_BYTES:
                print(f"{path.name}: not stored, {len(text.encode()):,} bytes is over {MAX_BYTES:,}", file=sys.stderr)
                failed = True
                continue
            path.write_text(text)
            print(f"{path.name}: stored, ran in {time.time() - start:.0f} s, {len(text.encode()):,} bytes")
        sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The kit's exercises in nbgrader's layout: release the student version, check it, grade submissions.

    scripts/exercises.py release            # notebooks/exercises/release/ from notebooks/exercises/source/
    scripts/exercises.py release --check    # exit 1 if release/ is not what source/ gives (CI)
    scripts/exercises.py validate           # nbgrader's metadata rules on source/ and release/
    scripts/exercises.py grade SUBMITTED    # SUBMITTED/<student>/<assignment>/<notebook>.ipynb, as nbgrader collects them

release follows nbgrader's generate_assignment: cells locked (deletable/editable), the lines between
"BEGIN SOLUTION" and "END SOLUTION" replaced by "// YOUR CODE HERE" and a throw naming the method, indented
as the BEGIN line; the outputs of solution and check cells cleared (explanation cells keep theirs: the student
opens a notebook with its pictures); "BEGIN HIDDEN TESTS" regions removed; checksums computed as nbgrader
computes them, before and after the hidden tests go. A teacher with nbgrader can use source/ as it is.

grade works without nbgrader: every check and readonly cell of a submission is put back as the teacher wrote
it (hidden tests included: nbgrader's OverwriteCells), the notebook runs on the kit's kernel (nbclient, every
cell, errors allowed, a cell past --timeout interrupted), and every check cell is scored by nbgrader's rule:
its points unless its outputs hold an error or stderr text (an execute_result that is a number gives
partial credit). A submission that is missing or unreadable scores zero with the reason; one that kills its
kernel keeps the points of the checks before and scores zero from the cell that was running, with the reason.
Results: a table on stdout, grades.csv, and the executed notebooks under autograded/ (the student's feedback).
"""
import argparse
import concurrent.futures
import copy
import csv
import hashlib
import json
import multiprocessing
import os
import pathlib
import re
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "notebooks" / "exercises"
BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
CODE_STUB = {"java": "// YOUR CODE HERE\nthrow new UnsupportedOperationException(\"not implemented yet: {name}\");"}
TEXT_STUB = "YOUR ANSWER HERE"
METHOD = re.compile(r"(\w+)\s*\([^()]*\)\s*(throws [\w., ]+)?\{\s*(//.*)?$")


class ExerciseError(Exception):
    """A notebook that breaks nbgrader's rules: the message names the file and the cell."""


def nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def is_grade(cell):
    return bool(nbgrader(cell).get("grade", False))


def is_solution(cell):
    return bool(nbgrader(cell).get("solution", False))


def is_locked(cell):
    """nbgrader's utils.is_locked: a solution cell never is, a grade cell always is."""
    if "nbgrader" not in cell.get("metadata", {}):
        return False
    if is_solution(cell):
        return False
    if is_grade(cell):
        return True
    return bool(nbgrader(cell).get("locked", False))


def source(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def compute_checksum(cell):
    """nbgrader's utils.compute_checksum."""
    m = hashlib.md5()
    m.update(source(cell).encode())
    m.update(cell["cell_type"].encode())
    m.update(str(is_grade(cell)).encode())
    m.update(str(is_solution(cell)).encode())
    m.update(str(is_locked(cell)).encode())
    m.update(nbgrader(cell)["grade_id"].encode())
    if is_grade(cell):
        m.update(str(float(nbgrader(cell)["points"])).encode())
    return m.hexdigest()


def validate(nb, where):
    """nbgrader's metadata rules, schema version 3 (nbgraderformat/v3.py)."""
    ids = set()
    for i, cell in enumerate(nb["cells"]):
        if "nbgrader" not in cell.get("metadata", {}):
            continue
        meta = nbgrader(cell)
        at = f"{where}, cell {i}"
        if meta.get("schema_version") != 3:
            raise ExerciseError(f"{at}: nbgrader metadata of schema version {meta.get('schema_version')}, not 3")
        for key in ("grade", "solution", "locked"):
            if not isinstance(meta.get(key), bool):
                raise ExerciseError(f"{at}: nbgrader metadata needs '{key}' true or false")
        grade, solution, locked = meta["grade"], meta["solution"], meta["locked"]
        if grade or solution or locked:
            if not meta.get("grade_id"):
                raise ExerciseError(f"{at}: an nbgrader cell without a grade_id")
            if meta["grade_id"] in ids:
                raise ExerciseError(f"{at}: grade_id '{meta['grade_id']}' is used twice")
            ids.add(meta["grade_id"])
        if grade and not isinstance(meta.get("points"), (int, float)):
            raise ExerciseError(f"{at}: grade cell '{meta.get('grade_id')}' has no points")
        if grade and meta["points"] < 0:
            raise ExerciseError(f"{at}: grade cell '{meta.get('grade_id')}' has negative points")
        if solution and locked:
            raise ExerciseError(f"{at}: solution cell '{meta.get('grade_id')}' is locked: the student could not write in it")
        if cell["cell_type"] == "markdown" and grade != solution:
            raise ExerciseError(f"{at}: a markdown cell must be both a grade and a solution cell, or neither")
        if cell["cell_type"] == "code" and grade and solution:
            raise ExerciseError(f"{at}: '{meta['grade_id']}': the kit's exercises keep solutions and checks in separate cells")
        if "cell_type" in meta and meta["cell_type"] != cell["cell_type"]:
            raise ExerciseError(f"{at}: the cell was a {meta['cell_type']} cell when released, now {cell['cell_type']}")


def replace_regions(text, begin, end, stub_for, where):
    """Lines between begin and end (delimiter lines included) replaced by stub_for(lines before, BEGIN line), or removed."""
    lines, out, inside, replaced = text.split("\n"), [], False, False
    for line in lines:
        if begin in line:
            if inside:
                raise ExerciseError(f"{where}: '{begin}' inside another")
            inside = replaced = True
            indent = re.match(r"\s*", line).group(0)
            if stub_for is not None:
                out.extend(indent + s for s in stub_for(out).split("\n"))
        elif end in line:
            if not inside:
                raise ExerciseError(f"{where}: '{end}' without '{begin}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ExerciseError(f"{where}: '{begin}' without '{end}'")
    return "\n".join(out), replaced


def enclosing_method(lines_before, fallback):
    for line in reversed(lines_before):
        m = METHOD.search(line.strip())
        if m and m.group(1) not in ("if", "for", "while", "switch", "catch", "synchronized"):
            return m.group(1)
    return fallback


def clear_outputs(cell):
    """nbconvert's ClearOutputPreprocessor on one cell."""
    cell["outputs"] = []
    cell["execution_count"] = None
    for key in ("collapsed", "scrolled", "execution"):
        cell.get("metadata", {}).pop(key, None)


def compute_checksums(nb):
    for cell in nb["cells"]:
        if is_grade(cell) or is_solution(cell) or is_locked(cell):
            nbgrader(cell)["checksum"] = compute_checksum(cell)
            nbgrader(cell)["cell_type"] = cell["cell_type"]


def generate(nb, where):
    """The student version of a teacher's notebook, by nbgrader's generate_assignment preprocessors."""
    nb = copy.deepcopy(nb)
    language = nb.get("metadata", {}).get("kernelspec", {}).get("language", "python")
    if language not in CODE_STUB:
        raise ExerciseError(f"{where}: no code stub for language '{language}'")
    for i, cell in enumerate(nb["cells"]):  # LockCells
        meta = cell.setdefault("metadata", {})
        if is_solution(cell):
            meta["deletable"] = False
        elif is_grade(cell) or is_locked(cell):
            meta["deletable"] = False
            meta["editable"] = False
    for i, cell in enumerate(nb["cells"]):  # ClearSolutions, ClearOutput (solution and check cells only)
        at = f"{where}, cell {i}"
        if cell["cell_type"] == "code":
            stub = lambda before: CODE_STUB[language].format(name=enclosing_method(before, nbgrader(cell).get("grade_id", "exercise")))
        else:
            stub = lambda before: TEXT_STUB
        text, replaced = replace_regions(source(cell), BEGIN_SOLUTION, END_SOLUTION, stub, at)
        if replaced and not is_solution(cell):
            raise ExerciseError(f"{at}: a solution region in a cell that is not a solution cell")
        if is_solution(cell) and not replaced:
            text = stub([]) if cell["cell_type"] == "code" else TEXT_STUB
        cell["source"] = text
        if cell["cell_type"] == "code" and (is_solution(cell) or is_grade(cell)):
            clear_outputs(cell)
    validate(nb, where)
    compute_checksums(nb)
    for i, cell in enumerate(nb["cells"]):  # ClearHiddenTests
        cell["source"], _ = replace_regions(source(cell), BEGIN_HIDDEN, END_HIDDEN, None, f"{where}, cell {i}")
    compute_checksums(nb)
    validate(nb, where)
    nb.get("metadata", {}).pop("celltoolbar", None)
    return nb


def dumps(nb):
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"  # nbformat.writes' layout


def read_notebook(path):
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ExerciseError(f"{path}: not a readable notebook: {e}") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ExerciseError(f"{path}: not a notebook (no list of cells)")
    return nb


def source_notebooks(source_dir):
    found = sorted(source_dir.glob("*/*.ipynb"))
    if not found:
        raise ExerciseError(f"{source_dir}: no <assignment>/<notebook>.ipynb")
    return found


def release(args):
    stale = []
    for src in source_notebooks(args.source):
        rel = src.relative_to(args.source)
        text = dumps(generate(read_notebook(src), str(src)))
        target = args.release / rel
        if args.check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(str(target))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)  # atomic: a reader never sees half a notebook
        print(f"{target}: released from {src}")
    if stale:
        print("not what scripts/exercises.py release makes from source/ (run it):\n  " + "\n  ".join(stale), file=sys.stderr)
        return 1
    return 0


def validate_all(args):
    for src in source_notebooks(args.source):
        validate(read_notebook(src), str(src))
        rel = args.release / src.relative_to(args.source)
        if rel.is_file():
            validate(read_notebook(rel), str(rel))
        print(f"{src.relative_to(args.source)}: nbgrader metadata valid")
    return 0


# --- grading -------------------------------------------------------------------------------------------

def first_line(text, limit=300):
    line = text.strip().split("\n")[0] if text.strip() else ""
    return line if len(line) <= limit else line[:limit - 1] + "…"


def determine_grade(cell):
    """nbgrader's utils.determine_grade for a code grade cell: (points, why)."""
    max_points = float(nbgrader(cell)["points"])
    if cell.get("execution_count") is None and not cell.get("outputs"):
        return 0.0, "not run"
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return 0.0, first_line(output.get("ename", "") + ": " + output.get("evalue", ""))
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return 0.0, "stderr: " + first_line("".join(output.get("text", "")))
        if output.get("output_type") == "execute_result":
            text = output.get("data", {}).get("text/plain", "")
            try:
                partial = float("".join(text))
            except ValueError:
                return max_points, "passed"
            return max(0.0, min(partial, max_points)), "partial credit"
    return max_points, "passed"


def overwrite_cells(nb, teacher):
    """nbgrader's OverwriteCells: check and readonly cells as the teacher wrote them; which ones were changed."""
    theirs = {nbgrader(c)["grade_id"]: c for c in teacher["cells"] if is_grade(c) or is_locked(c)}
    changed = []
    for cell in nb["cells"]:
        gid = nbgrader(cell).get("grade_id")
        if gid in theirs and (is_grade(theirs[gid]) or is_locked(theirs[gid])):
            t = theirs[gid]
            if source(cell) != source(t) or cell.get("cell_type") != t["cell_type"]:
                changed.append(gid)
            cell["cell_type"] = t["cell_type"]
            cell["source"] = source(t)
            cell.setdefault("metadata", {})["nbgrader"] = copy.deepcopy(nbgrader(t))
            if t["cell_type"] == "code":
                cell.setdefault("outputs", [])
                cell.setdefault("execution_count", None)
    return changed


def grade_one(student, assignment, notebook, path, teacher, autograded, timeout, kernel_name):
    """Rows (grade_id, points, max_points, status) of one submission; never raises for the student's faults."""
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError
    checks = [c for c in teacher["cells"] if is_grade(c)]
    def all_zero(why):
        return [(nbgrader(c)["grade_id"], 0.0, float(nbgrader(c)["points"]), why) for c in checks], None
    if not path.is_file():
        return all_zero("not submitted")
    try:
        nb = read_notebook(path)
    except ExerciseError as e:
        return all_zero(first_line(str(e).split(": ", 1)[-1], 200))
    overwrite_cells(nb, teacher)
    nb.setdefault("metadata", {})["kernelspec"] = teacher["metadata"]["kernelspec"]
    nb.setdefault("nbformat", 4)
    nb.setdefault("nbformat_minor", 5)
    for cell in nb["cells"]:
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cell.setdefault("metadata", {})
    out_dir = autograded / student / assignment
    out_dir.mkdir(parents=True, exist_ok=True)
    failure, died_at = None, None
    running = {}
    # The kernel's own stderr (the native library's start-up lines) is no cell's output: kept aside, its last
    # line given as the reason if the kernel cannot start.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as kernel_log:
        try:
            import nbformat
            node = nbformat.reads(json.dumps(nb), as_version=4)  # sources and texts as strings, as nbclient needs them
            client = NotebookClient(node, timeout=timeout, kernel_name=kernel_name, allow_errors=True,
                                    interrupt_on_timeout=True, resources={"metadata": {"path": str(out_dir)}},
                                    on_cell_execute=lambda cell, cell_index: running.update(index=cell_index))
            client.execute(stderr=kernel_log)
            nb = json.loads(nbformat.writes(node))
        except DeadKernelError:
            # The cell that was running when the kernel died and every cell after it score nothing.
            died_at = running.get("index", 0)
            dying = node.cells[died_at] if died_at < len(node.cells) else {}
            label = nbgrader(dying).get("grade_id") or first_line(source(dying), 80) if dying else ""
            failure = f"the kernel died in cell {died_at + 1} ({label})"
            nb = json.loads(nbformat.writes(node))
        except Exception as e:  # a notebook nbclient cannot run at all: the student's zero, not the grader's crash
            kernel_log.seek(0)
            last = [line for line in kernel_log.read().splitlines() if line.strip()][-1:]
            failure = (f"the notebook could not run: {type(e).__name__}: {first_line(str(e), 200)}"
                       + (f" (the kernel said: {first_line(last[0], 200)})" if last else ""))
    tmp_nb = out_dir / (notebook + ".tmp")
    tmp_nb.write_text(dumps(nb), encoding="utf-8")
    os.replace(tmp_nb, out_dir / notebook)
    rows = []
    present = {nbgrader(c).get("grade_id"): (i, c) for i, c in enumerate(nb["cells"]) if is_grade(c)}
    for c in checks:
        gid, max_points = nbgrader(c)["grade_id"], float(nbgrader(c)["points"])
        index, cell = present.get(gid, (None, None))
        if cell is None:
            rows.append((gid, 0.0, max_points, "check cell deleted"))
        elif failure and (died_at is None and cell.get("execution_count") is None or died_at is not None and index >= died_at):
            rows.append((gid, 0.0, max_points, failure))
        else:
            points, why = determine_grade(cell)
            rows.append((gid, points, max_points, why))
    return rows, failure


def timed_grade(*args):
    start = time.time()
    rows, failure = grade_one(*args)
    return rows, failure, time.time() - start


def grade(args):
    import kitkernel
    submitted = args.submitted
    if not submitted.is_dir():
        raise ExerciseError(f"{submitted}: no such folder of submissions (<student>/<assignment>/<notebook>.ipynb)")
    teachers = {src.relative_to(args.source): read_notebook(src) for src in source_notebooks(args.source)}
    students = sorted(p.name for p in submitted.iterdir() if p.is_dir())
    if not students:
        raise ExerciseError(f"{submitted}: no student folders")
    autograded = args.autograded or submitted.parent / "autograded"
    out = args.out or submitted.parent / "grades.csv"
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.kernel:
            name = args.kernel
        else:
            name = kitkernel.kernelspec(pathlib.Path(tmp))
            os.environ["JUPYTER_PATH"] = tmp + os.pathsep + os.environ.get("JUPYTER_PATH", "")
        os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
        jobs = [(student, rel, teacher) for student in students for rel, teacher in teachers.items()]
        # Each submission runs in a process and a kernel of its own; results are kept in the order of the jobs.
        with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, args.jobs),
                                                    mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(timed_grade, student, rel.parts[0], rel.name, submitted / student / rel, teacher,
                                   autograded, args.timeout, name) for student, rel, teacher in jobs]
            for (student, rel, _), future in zip(jobs, futures):
                rows, failure, seconds = future.result()
                results.extend((student, rel.parts[0], rel.name, *row) for row in rows)
                total = sum(r[1] for r in rows)
                print(f"{student}/{rel}: {total:g} of {sum(r[2] for r in rows):g} points in {seconds:.0f} s"
                      + (f" ({failure})" if failure else ""), file=sys.stderr if failure else sys.stdout, flush=True)
    tmp_out = out.with_name(out.name + ".tmp")
    with open(tmp_out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", "assignment", "notebook", "grade_id", "points", "max_points", "status"])
        for r in results:
            w.writerow([r[0], r[1], r[2], r[3], f"{r[4]:g}", f"{r[5]:g}", r[6]])
    os.replace(tmp_out, out)
    print_table(results)
    print(f"\n{out}: {len(results)} rows; executed notebooks in {autograded}")
    return 0


def print_table(results):
    ids = list(dict.fromkeys(r[3] for r in results))
    students = list(dict.fromkeys(r[0] for r in results))
    points = {(r[0], r[3]): r[4] for r in results}
    max_points = {r[3]: r[5] for r in results}
    width = max(len("student"), *(len(s) for s in students))
    header = ["student".ljust(width)] + [i.removeprefix("check_") for i in ids] + ["total"]
    print("\n" + "  ".join(header))
    print("  ".join(["max".ljust(width)] + [f"{max_points[i]:g}".rjust(len(h)) for i, h in zip(ids, header[1:])]
                    + [f"{sum(max_points.values()):g}".rjust(5)]))
    for s in students:
        cells = [f"{points[(s, i)]:g}".rjust(len(h)) for i, h in zip(ids, header[1:])]
        print("  ".join([s.ljust(width)] + cells + [f"{sum(points[(s, i)] for i in ids):g}".rjust(5)]))
    lost = {}
    for r in results:
        if r[4] < r[5]:
            lost.setdefault(r[0], []).append(r)
    if lost:
        print("\nwhy points were lost:")
        for s, rows in lost.items():
            reasons = {r[6] for r in rows}
            if len(rows) == len(ids) and len(reasons) == 1:
                print(f"  {s}, every check: {reasons.pop()}")
            else:
                for r in rows:
                    print(f"  {s} {r[3]}: {r[6]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=pathlib.Path, default=EXERCISES / "source", help="the teacher's notebooks (source/<assignment>/)")
    parser.add_argument("--release", type=pathlib.Path, default=EXERCISES / "release", help="the student versions (release/<assignment>/)")
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("release", help="make release/ from source/")
    r.add_argument("--check", action="store_true", help="change nothing; exit 1 if release/ is not what source/ gives")
    sub.add_parser("validate", help="check nbgrader's metadata rules")
    g = sub.add_parser("grade", help="run and score submissions")
    g.add_argument("submitted", type=pathlib.Path, help="folder of <student>/<assignment>/<notebook>.ipynb")
    g.add_argument("--out", type=pathlib.Path, help="the CSV (default: grades.csv beside the submissions)")
    g.add_argument("--autograded", type=pathlib.Path, help="where the executed notebooks go (default: autograded/ beside them)")
    g.add_argument("--kernel", help="an installed kernelspec to run them with (default: the kit's, from target/lessr.jar)")
    g.add_argument("--timeout", type=int, default=300, help="seconds a cell may take before it is interrupted")
    g.add_argument("--jobs", type=int, default=max(1, min(4, os.cpu_count() or 1)),
                   help="submissions graded at once, each on a kernel of its own (default: the cores, at most 4)")
    args = parser.parse_args()
    try:
        return {"release": release, "validate": validate_all, "grade": grade}[args.command](args)
    except ExerciseError as e:
        print(f"exercises.py: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

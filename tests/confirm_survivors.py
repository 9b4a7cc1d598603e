"""Run the tests again, in full, against every mutant mutmut did not kill.

mutmut runs each mutant against the tests that called the mutated function during its first
run. A function first called inside a module- or session-scoped fixture is credited to one test
only, so its mutants meet one test, not the tests that check what the fixture built. This
applies each survivor to a scratch copy of the tree and runs it against every model test (a
model mutant) or every test in ``pytest_add_cli_args_test_selection`` (pyproject.toml); the
source tree itself is never changed. ``make mutate`` runs it after mutmut; the table it prints
is the score per module.

    python -m tests.confirm_survivors [NAME_GLOB ...]
"""

from __future__ import annotations

import fnmatch
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import tomllib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# name -> "killed", "survived" or "error", and the first test that failed, kept between runs
RESULTS = ROOT / "mutants" / "confirmed.json"
MUTMUT = [sys.executable, "-m", "mutmut"]
UNKILLED = ("survived", "no tests")  # "no tests": no test called the function in mutmut's first run


def statuses() -> dict[str, str]:
    """Return mutmut's status of every mutant it made (``mutmut results --all true``)."""
    out = subprocess.run([*MUTMUT, "results", "--all", "true"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    return dict(line.strip().rsplit(": ", 1) for line in out.splitlines() if ": " in line)


MUTMUT_SETTINGS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
SELECTION: list[str] = MUTMUT_SETTINGS["pytest_add_cli_args_test_selection"]
# What a scratch copy holds: what mutmut copies beside the mutants, and the tests.
COPIED = (*(p.rstrip("/") for p in MUTMUT_SETTINGS["source_paths"]), "tests", "pyproject.toml",
          *MUTMUT_SETTINGS["also_copy"])


def selection(name: str) -> list[str]:
    """Return the tests a mutant meets: tests/model for a model mutant (the model's own truth),
    else the whole selection."""
    return ["tests/model"] if name.startswith("model.") else SELECTION


def confirm(names: list[str], done: dict[str, list[str]], workers: int = 2) -> None:
    """Run the selection against each survivor in scratch copies; record each verdict, and the
    first test that failed, in done."""
    lock = threading.Lock()
    with tempfile.TemporaryDirectory(prefix="roastnet-confirm-") as tmp:
        scratches: queue.Queue[Path] = queue.Queue()
        for k in range(workers):
            scratch = Path(tmp) / str(k)
            for item in COPIED:
                (shutil.copytree if (ROOT / item).is_dir() else shutil.copy2)(ROOT / item, scratch / item)
            scratches.put(scratch)

        def one(name: str) -> None:
            diff = subprocess.run([*MUTMUT, "show", name], cwd=ROOT, capture_output=True, text=True,
                                  check=True).stdout
            path = diff.split("\n--- ", 1)[1].split("\n", 1)[0]
            scratch = scratches.get()
            target = scratch / path
            original = target.read_text()
            env = {**os.environ, "PYTHONPATH": str(scratch), "ROASTNET_ZOO": "quick"}
            try:
                target.write_text(mutated(original, diff))
                run = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                                      *selection(name)], cwd=scratch, env=env, capture_output=True, text=True)
            finally:
                target.write_text(original)
                scratches.put(scratch)
            verdict = "killed" if run.returncode == 1 else "survived" if run.returncode == 0 else "error"
            failed = [line.split()[1] for line in run.stdout.splitlines() if line.startswith("FAILED ")]
            with lock:
                done[name] = [verdict, *failed[:1]]
                RESULTS.write_text(json.dumps(done, indent=1, sort_keys=True))
                print(f"{len(done)} {name}: {' '.join(done[name])}", flush=True)  # noqa: T201 (a command)

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(one, names))


def mutated(source: str, diff: str) -> str:
    """Apply mutmut's one-hunk diff of a function to the module's source.

    mutmut shows a method as if it were a top-level function (its class's indent removed, its
    docstring's not), so the hunk is found by its lines' content and its new lines re-indented
    as the lines they replace.
    """
    body = diff[diff.index("\n@@"):].split("\n")[2:]
    hunk = [(line[0], line[1:]) for line in body if line and line[0] in " -+"]
    old = [text for kind, text in hunk if kind != "+"]
    lines = source.split("\n")
    first = next(text for kind, text in hunk if kind == "-")
    for start in range(len(lines) - len(old) + 1):
        if all(lines[start + k].strip() == text.strip() for k, text in enumerate(old)):
            here = lines[start + old.index(first)]
            pad = " " * ((len(here) - len(here.lstrip())) - (len(first) - len(first.lstrip())))
            kept = iter(lines[start:start + len(old)])
            replaced = []
            for kind, text in hunk:
                if kind != "+":
                    line = next(kept)
                if kind == " ":
                    replaced.append(line)
                elif kind == "+":
                    replaced.append(pad + text if text else text)
            lines[start:start + len(old)] = replaced
            return "\n".join(lines)
    raise ValueError(f"the mutant's lines are not in the source: {old}")


def table(status: dict[str, str], done: dict[str, list[str]]) -> str:
    """Return the markdown score table: per module, killed by mutmut, then on confirmation."""
    rows: dict[str, Counter[str]] = {}
    for name, state in status.items():
        module = name.split(".x")[0]
        final = done.get(name, [state])[0] if state in UNKILLED else state
        rows.setdefault(module, Counter())[("confirmed " if state in UNKILLED else "") + final] += 1
    lines = ["| module | checked | killed by mutmut | killed on confirmation | survived | not yet run "
             "| score |",
             "|---|---|---|---|---|---|---|"]
    for module, c in sorted(rows.items()):
        killed = c["killed"] + c["timeout"] + c["confirmed killed"]
        survived = c["confirmed survived"] + c["confirmed error"]
        untested = c["confirmed no tests"]  # not yet confirmed
        checked = killed + survived + untested
        if checked:
            lines.append(f"| {module} | {checked} | {c['killed'] + c['timeout']} | {c['confirmed killed']} "
                         f"| {survived} | {untested} | {100 * killed / checked:.0f} % |")
    return "\n".join(lines)


def main(patterns: list[str]) -> int:
    status = statuses()
    done = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    todo = [name for name, state in status.items() if state in UNKILLED and name not in done
            and (not patterns or any(fnmatch.fnmatch(name, p) for p in patterns))]
    confirm(todo, done)
    print(table(status, done))  # noqa: T201 (a command)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

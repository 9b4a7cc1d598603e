"""How fast `roastnet --help` and `roastnet predict` answer (target: under 0.3 s), beside baselines.

Baselines in the same run: the bare interpreter, the interpreter importing numpy, and the same
commands from an older tree (``ROASTNET_BENCH_CLI_BASELINE``, a git ref; default the last commit
before the CLI imported lazily), unpacked into a temporary directory and run from there (first
on sys.path).
Each figure is the median (and spread) of wall and CPU (user + sys) time over several runs.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import table

ROOT = Path(__file__).resolve().parent.parent
BASELINE = os.environ.get("ROASTNET_BENCH_CLI_BASELINE", "ce0df0f")
REPEAT = int(os.environ.get("ROASTNET_BENCH_CLI_REPEAT", "15"))
COMMANDS = {
    "--help": ["--help"],
    "predict 200 13.9": ["predict", "200", "13.9"],
    "predict 600 13 (refused)": ["predict", "600", "13"],
}


def _run(argv: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, capture_output=True, timeout=120, cwd=cwd)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _figures(samples: list[tuple[float, float]]) -> list[str]:
    walls, cpus = [s[0] * 1000 for s in samples], [s[1] * 1000 for s in samples]
    return [f"{statistics.median(walls):.0f} ({min(walls):.0f}–{max(walls):.0f})",
            f"{statistics.median(cpus):.0f} ({min(cpus):.0f}–{max(cpus):.0f})"]


def _baseline_tree(tmp: Path) -> Path | None:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASELINE, "model", "service"],
                             capture_output=True)
    if archive.returncode != 0:
        return None
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive.stdout, check=True)
    return tmp


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        old = Path(tmp) / "old"
        old.mkdir()
        trees = {"this tree": ROOT, f"baseline {BASELINE}": _baseline_tree(old)}
        env = {**os.environ, "ROASTNET_DATA_DIR": str(data), "OPENBLAS_NUM_THREADS": "1"}
        python = [sys.executable, "-X", "frozen_modules=on"]
        subprocess.run([*python, "-m", "service.cli", "models"], env={**env, "PYTHONPATH": str(ROOT)},
                       capture_output=True, check=True, cwd=ROOT)  # the registry, made once
        samples: dict[tuple[str, str], list] = {}
        for _ in range(REPEAT):  # interleaved, so that both trees see the same load
            for name, argv in [("python -c pass", [*python, "-c", "pass"]),
                               ("python -c 'import numpy'", [*python, "-c", "import numpy"])]:
                samples.setdefault((name, ""), []).append(_run(argv, env))
            for tree, path in trees.items():
                if path is None:
                    continue
                for name, args in COMMANDS.items():
                    samples.setdefault((f"roastnet {name}", tree), []).append(
                        _run([*python, "-m", "service.cli", *args], env, cwd=path))  # path[0]: the tree
    rows = [[name, tree, *_figures(s)] for (name, tree), s in sorted(samples.items())]
    table(f"roastnet command start-up, ms: median (min–max) of {REPEAT} runs; the target is 300 ms wall",
          ["command", "tree", "wall", "CPU"], rows)


if __name__ == "__main__":
    main()

"""Small helpers shared by the benchmarks: timing and printing tables."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

BARE_APP = "benchmarks.bare_app:app"  # the floor: a bare Flask JSON echo, served like roastnet


def wall_times(fn: Callable[[], object], repeat: int) -> list[float]:
    """Return the wall time of each of ``repeat`` calls of fn(), in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    return min(wall_times(fn, repeat))


def median_of(fn: Callable[[], object], repeat: int = 5) -> float:
    return statistics.median(wall_times(fn, repeat))


def table(title: str, header: list[str], rows: list[list[object]]) -> None:
    """Print a plain-text table."""
    cells = [header] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n## {title}")
    for i, row in enumerate(cells):
        padded = [c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(zip(row, widths, strict=True))]
        print("  ".join(padded))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def _cell(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)

"""What the `roastnet` commands print: JSON or tables on stdout, progress bars on stderr, exit codes."""

from __future__ import annotations

import sys
from argparse import Namespace
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import orjson

from service.cli import CANNOT_START, FAILURE, NOT_FOUND, USAGE

if TYPE_CHECKING:  # annotations only: a command loads no pydantic it does not need
    from service.answers import Comparison


def exit_code(exc: BaseException) -> int | None:
    """Return the exit code for a known failure, or None for a bug (which keeps its traceback)."""
    # Only modules already imported can have raised; importing the rest would only cost time.
    problems, registry = sys.modules.get("service.problems"), sys.modules.get("service.registry")
    remote, stored = sys.modules.get("service.remote"), sys.modules.get("service.stored")
    if problems and isinstance(exc, problems.NotFound):
        return NOT_FOUND
    if problems and isinstance(exc, problems.MalformedJSON | problems.ValidationProblem):
        return USAGE
    if registry and isinstance(exc, registry.UnknownModel):
        return NOT_FOUND
    if registry and isinstance(exc, registry.RegistryError):
        return CANNOT_START
    if remote and isinstance(exc, remote.Unreachable):
        return CANNOT_START
    if remote and isinstance(exc, remote.RemoteError):
        return {404: NOT_FOUND, 422: USAGE}.get(exc.status, FAILURE)
    if isinstance(exc, CannotStart):
        return CANNOT_START
    if isinstance(exc, Failure) or (stored and isinstance(exc, stored.BrokenModel)):
        return FAILURE
    if problems and isinstance(exc, problems.Problem):
        return FAILURE
    return None


class Failure(Exception):
    """The command could not do its work; the message says why in one line."""


class CannotStart(Exception):
    """Something the command needs before it can begin is missing (a port, a service)."""


def emit(args: Namespace, body: Any, human: Callable[[], Iterable[str]]) -> None:
    """Print ``body`` as JSON with --json, else the lines ``human()`` gives."""
    if getattr(args, "json", False):
        sys.stdout.write(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        for line in human():
            print(line)


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """Lay rows out under left-aligned headers, each column as wide as its widest cell."""
    cells = [list(columns)] + [["-" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    return ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]


SHORT = {"temperature_too_low": "T low", "duration_too_short": "d short",
         "too_hot_for_too_long": "hot+long", "temperature_too_high": "T high",
         "duration_too_long": "d long"}


def comparison_lines(comparison: Comparison) -> list[str]:
    """The seed comparison of a retrain or a sweep: which units took which region, per seed."""
    from model.data import PRIMARY_REGIONS

    rows = [(r["seed"],
             ", ".join(f"{SHORT.get(k, k)}:{'+'.join(map(str, v))}" for k, v in r["regions"].items()),
             "yes" if r["all_regions_covered"] else "NO",
             ";".join("+".join(map(str, d)) for d in r["duplicates"]) or "-",
             f"{r['grid_accuracy']:.4f}") for r in comparison["seeds"]]
    return table(["seed", "units by region", "all 3", "same region", "grid acc"], rows) + [
        f"coverage rate: {comparison['coverage_rate']:.2f} ({', '.join(PRIMARY_REGIONS)}); "
        f"{comparison['summary']}"]


@contextmanager
def progress(what: str, total: int) -> Iterator[Callable[[float], None]]:
    """Show a bar on stderr while the block runs (nothing when stderr is not a terminal).

    Yields ``advance_to(done)``. rich redraws from its own thread ten times a second, so the
    elapsed time moves even while one step of the work takes long.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=console, disable=not console.is_terminal,
                   refresh_per_second=10)
    with bar:
        task = bar.add_task(what, total=total)
        yield lambda done: bar.update(task, completed=done)

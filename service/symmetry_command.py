"""`roastnet symmetry`: how small a difference between identical units is enough to divide the regions.

Per perturbation ε, units start as one copy plus ε × standard-normal noise; the command trains
every seed (here, or as one retrain job per ε on a service with --url) and prints how many
seeds cover all three bad-roast regions, how many reach 100 % training accuracy and the median
step at which the closest two units grew 1,000× apart.
"""

from __future__ import annotations

import argparse
import math
import statistics
from collections.abc import Callable
from typing import Any

import orjson

from model.compare import SeedEntry, compare_seeds
from model.train import Recipe, train_seeds
from model.trajectory import trace
from service import remote

PERTURBATIONS = [0.0, 1e-7, 1e-5, 1e-3, 1e-1]
CHUNK = 50  # seeds trained together here


def add_parser(sub, seeds: Callable[[str], list[int]]) -> None:
    """Add the command to the `roastnet` subcommands; ``seeds`` parses a seed list (0-19, 1,2,3)."""
    p = sub.add_parser("symmetry", help="train symmetric starts perturbed by ε and report, per ε, "
                                        "how often the units divide the regions")
    p.add_argument("--perturbations", type=_floats, default=PERTURBATIONS,
                   help="comma-separated ε in 0…1 (default 0,1e-7,1e-5,1e-3,1e-1)")
    p.add_argument("--seeds", type=seeds, default=list(range(20)), help="e.g. 0-19 (default)")
    p.add_argument("--hidden-units", type=int, default=Recipe.hidden_units)
    p.add_argument("--steps", type=int, default=Recipe.steps)
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    p.add_argument("--url", help="run one retrain job per ε on the service at this URL (which "
                                 "stores every model; token: ROASTNET_ADMIN_TOKEN)")
    p.set_defaults(run=run)


def _floats(text: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r} (use 0,1e-3,0.1)") from None
    if not all(0 <= v <= 1 for v in values):  # NaN fails too
        raise argparse.ArgumentTypeError("every perturbation must be in 0…1")
    return list(dict.fromkeys(values))


def run(args) -> int:
    table = []
    for eps in args.perturbations:
        recipe = Recipe(init="symmetric", perturbation=eps, hidden_units=args.hidden_units,
                        steps=args.steps)
        rows = (_remote_rows(args.url, recipe, args.seeds) if args.url
                else _local_rows(recipe, args.seeds))
        table.append(summarise(eps, rows))
    if args.json:
        print(orjson.dumps({"hidden_units": args.hidden_units, "steps": args.steps,
                            "seeds": args.seeds, "perturbations": table},
                           option=orjson.OPT_INDENT_2).decode())
    else:
        _print(table, args)
    return 0


def _local_rows(recipe: Recipe, seeds: list[int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i in range(0, len(seeds), CHUNK):
        results = train_seeds(recipe, seeds[i:i + CHUNK])
        rows += compare_seeds([
            SeedEntry(r.recipe.seed, r.recipe.id, r.network, trajectory=trace(r.snapshots))
            for r in results])["seeds"]
    return rows


def _remote_rows(url: str, recipe: Recipe, seeds: list[int]) -> list[dict[str, Any]]:
    return remote.run_jobs(url, seeds, {"init": "symmetric", "perturbation": recipe.perturbation,
                                        "hidden_units": recipe.hidden_units, "steps": recipe.steps})


def summarise(eps: float, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Return one line of the table from the comparison rows of one ε."""
    n = len(rows)
    covered = sum(r["all_regions_covered"] for r in rows)
    steps = [math.inf if r["separation_step"] is None else r["separation_step"] for r in rows]
    median = statistics.median_low(steps)  # a step some seed took; "never" when most never separate
    return {
        "perturbation": eps,
        "seeds": n,
        "all_regions_covered": covered,
        "coverage_rate": covered / n,
        "full_train_accuracy": sum(r["train_accuracy"] == 1.0 for r in rows),
        "separated": sum(s != math.inf for s in steps),
        "median_separation_step": None if median == math.inf else int(median),
    }


def _print(table: list[dict[str, Any]], args) -> None:
    print(f"symmetric starts + ε × standard-normal noise: {len(args.seeds)} seeds, "
          f"{args.hidden_units} units, {args.steps} steps")
    print(f"{'ε':>8}  {'all 3 regions':>13}  {'coverage':>8}  {'100 % train':>11}  "
          f"{'separated':>9}  median separation step")
    for line in table:
        n = line["seeds"]
        median = line["median_separation_step"]
        print(f"{line['perturbation']:>8g}  {line['all_regions_covered']:>10}/{n:<2}  "
              f"{line['coverage_rate']:>8.2f}  {line['full_train_accuracy']:>8}/{n:<2}  "
              f"{line['separated']:>6}/{n:<2}  {'never' if median is None else median}")

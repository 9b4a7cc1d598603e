"""`roastnet symmetry`: how small a difference between identical units is enough to divide the regions.

Per perturbation ε, units start as one copy plus ε × standard-normal noise; the command trains
every seed (here, or as one retrain job per ε on a service with --url) and prints how many
seeds cover all three bad-roast regions, how many reach 100 % training accuracy and the median
step at which the closest two units grew 1,000× apart.
"""

from __future__ import annotations

import math
import statistics
from argparse import Namespace
from typing import TYPE_CHECKING, Any

import orjson

from model.compare import SeedEntry, compare_seeds
from model.train import Recipe, train_seeds
from model.trajectory import trace
from service import present, remote

if TYPE_CHECKING:
    from service.answers import SeedRow

CHUNK = 50  # seeds trained together here


def run(args: Namespace) -> int:
    args.hidden_units = args.hidden_units or Recipe.hidden_units
    args.steps = args.steps or Recipe.steps
    table: list[dict[str, Any]] = []
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


def _local_rows(recipe: Recipe, seeds: list[int]) -> list[SeedRow]:
    rows: list[SeedRow] = []
    for i in range(0, len(seeds), CHUNK):
        results = train_seeds(recipe, seeds[i:i + CHUNK])
        rows += present.seed_rows(compare_seeds([
            SeedEntry(r.recipe.seed, r.recipe.id, r.network,
                      trajectory=trace(r.snapshots) if r.snapshots else None)
            for r in results]))
    return rows


def _remote_rows(url: str, recipe: Recipe, seeds: list[int]) -> list[SeedRow]:
    return remote.run_jobs(url, seeds, {"init": "symmetric", "perturbation": recipe.perturbation,
                                        "hidden_units": recipe.hidden_units, "steps": recipe.steps})


def summarise(eps: float, rows: list[SeedRow]) -> dict[str, Any]:
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


def _print(table: list[dict[str, Any]], args: Namespace) -> None:
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

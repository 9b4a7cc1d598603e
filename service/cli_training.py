"""`roastnet train` and `roastnet sweep`: many seeds, here or as jobs on a service, with a progress bar."""

from __future__ import annotations

import time
from argparse import Namespace
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from service.cli_output import comparison_lines, emit, progress

if TYPE_CHECKING:
    from service.answers import Comparison, RetrainResponse, SeedRow
    from service.schemas import RetrainRequest

# A sweep trains its seeds in jobs of at most MAX_SEEDS (the API's retrain limit), each within the
# API's work budget; this caps how many jobs a sweep is (10,000 seeds: 157 jobs, some minutes).
MAX_SWEEP_SEEDS = 10_000


def _request(args: Namespace, seeds: list[int], **more: Any) -> RetrainRequest:
    """Validate a retrain of ``seeds`` as POST /v1/retrain would (the same limits and messages)."""
    from service.schemas import RetrainRequest
    from service.validation import check

    given = {"init": args.init, "hidden_units": args.hidden_units,
             "steps": getattr(args, "steps", None), **more}
    return check(RetrainRequest, {"seeds": seeds, **{k: v for k, v in given.items() if v is not None}})


def train(args: Namespace) -> int:
    from service import remote
    from service.cli_commands import registry
    from service.training import retrain

    req = _request(args, args.seeds, activate=args.activate)
    with progress("training", len(req.seeds)) as advance:
        def seen(done: int, step: int, steps: int) -> None:
            advance(done + step / max(steps, 1))

        body: RetrainResponse
        if args.url:
            body = remote.run_job(args.url, req.model_dump(exclude_defaults=True), seen)
        else:  # in this process: the API's work budget protects a server, not a command line
            body = retrain(registry(), req, max_work=10**15, progress=seen)
        advance(len(req.seeds))

    def lines() -> Iterator[str]:
        for m in body["models"]:
            yield (f"seed {m['seed']}: model {m['id']} {'trained' if m['created'] else 'already stored'}, "
                   f"grid accuracy {m['metrics']['grid_accuracy']:.4f}")
        yield from comparison_lines(body["comparison"])
        if body["activated"]:
            yield f"active model: {body['activated']}"

    emit(args, body, lines)
    return 0


def sweep(args: Namespace) -> int:
    from service import remote
    from service.schemas import MAX_SEEDS
    from service.settings import Settings
    from service.training import check_work

    seeds, start = args.seeds, time.perf_counter()
    jobs = [_request(args, seeds[i:i + MAX_SEEDS]) for i in range(0, len(seeds), MAX_SEEDS)]
    for req in jobs:
        check_work(req, Settings().max_retrain_work)
    with progress("sweep", len(seeds)) as advance:
        def seen(done: int, step: int, steps: int) -> None:
            advance(done + step / max(steps, 1))

        rows: list[SeedRow]
        if args.url:
            rows = remote.run_jobs(args.url, seeds, jobs[0].model_dump(exclude_defaults=True,
                                                                       exclude={"seeds"}), seen)
        else:
            rows = _train_here(jobs, args.store, seen)
        advance(len(seeds))
    covered = sum(r["all_regions_covered"] for r in rows)
    seconds = time.perf_counter() - start
    comparison: Comparison = {"seeds": rows, "coverage_rate": covered / len(rows),
                  "summary": f"{covered} of {len(rows)} seeds cover all three regions"}
    emit(args, {**comparison, "seconds": seconds},
         lambda: [*comparison_lines(comparison), f"trained {len(rows)} seeds in {seconds:.2f} s"])
    return 0


def _train_here(jobs: list[RetrainRequest], store: bool, seen: Callable[[int, int, int], None]
                ) -> list[SeedRow]:
    from model.compare import SeedEntry, compare_seeds
    from model.train import Recipe, train_seeds
    from service import present
    from service.training import as_new_model

    reg = None
    rows: list[SeedRow] = []
    for req in jobs:
        recipe = Recipe(init=req.init, hidden_units=req.hidden_units, steps=req.steps,
                        learning_rate=req.learning_rate, data_seed=req.data_seed, samples=req.samples)
        done = len(rows)
        def observe(step: int, _z2: Any, done: int = done, steps: int = req.steps) -> None:
            seen(done, step, steps)

        results = train_seeds(recipe, req.seeds, observe)
        if store:
            from service.cli_commands import registry

            reg = reg or registry()
            reg.add([as_new_model(r) for r in results])
        rows += present.seed_rows(compare_seeds([SeedEntry(r.recipe.seed, r.recipe.id, r.network)
                                                 for r in results]))
    return rows

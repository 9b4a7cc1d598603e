"""The `roastnet` command: serve, predict, neurons, and the registry (train, sweep, models, activate)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from pathlib import Path

import orjson

from model.compare import SeedEntry, compare_seeds
from model.data import PRIMARY_REGIONS, to_celsius
from model.train import MAX_SEED, Recipe, train_seeds
from service import present, remote, symmetry_command
from service.registry import Registry, RegistryError, UnknownModel, open_registry
from service.schemas import RetrainRequest
from service.settings import Settings
from service.stored import BrokenModel
from service.supervisor import supervise
from service.trainer import Trainer
from service.training import as_new_model, ensure_defaults, retrain

GUNICORN_CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except (RegistryError, UnknownModel, BrokenModel, ValueError, remote.RemoteError) as exc:
        print(f"roastnet: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="roastnet", description=__doc__)
    sub = p.add_subparsers(required=True, metavar="command")

    serve = sub.add_parser("serve", help="serve the HTTP API with gunicorn, and a trainer beside it")
    serve.add_argument("--host", help="default 127.0.0.1, or the host of ROASTNET_BIND")
    serve.add_argument("--port", type=int, help="default 8000, or the port of ROASTNET_BIND")
    serve.add_argument("--workers", type=int, default=None)
    serve.add_argument("--no-trainer", action="store_true",
                       help="serve only (trainers run elsewhere: `roastnet trainer`)")
    serve.set_defaults(run=_serve)

    trainer = sub.add_parser("trainer", help="run retrain jobs from the queue until stopped")
    trainer.set_defaults(run=_trainer)

    predict = sub.add_parser("predict", help="judge one reading")
    predict.add_argument("temperature", type=float)
    predict.add_argument("duration", type=float)
    predict.add_argument("--unit", choices=["C", "F"], default="C")
    predict.add_argument("--explain", action="store_true", help="print the full explanation (JSON)")
    predict.add_argument("--model", help="model id or name (default: the active one)")
    predict.set_defaults(run=_predict)

    neurons = sub.add_parser("neurons", help="say what each hidden unit does")
    neurons.add_argument("--model")
    neurons.set_defaults(run=_neurons)

    train = sub.add_parser("train", help="train models for seeds into the registry")
    train.add_argument("--seeds", type=_seeds, required=True, help="e.g. 1,2,3 or 0-7")
    train.add_argument("--init", choices=["glorot", "symmetric"], default="glorot")
    train.add_argument("--hidden-units", type=int, default=Recipe.hidden_units)
    train.add_argument("--steps", type=int, default=Recipe.steps)
    train.add_argument("--activate", type=int, help="the seed whose model becomes active")
    train.add_argument("--url", help="submit a job to the service at this URL instead "
                                     "(token: ROASTNET_ADMIN_TOKEN)")
    train.set_defaults(run=_train)

    sweep = sub.add_parser("sweep", help="train many seeds and report how their units divide regions")
    sweep.add_argument("--seeds", type=_seeds, default=list(range(100)))
    sweep.add_argument("--init", choices=["glorot", "symmetric"], default="glorot")
    sweep.add_argument("--hidden-units", type=int, default=Recipe.hidden_units)
    sweep.add_argument("--store", action="store_true", help="also store every model")
    sweep.add_argument("--url", help="run as jobs on the service at this URL (they store every model)")
    sweep.set_defaults(run=_sweep)

    symmetry_command.add_parser(sub, seeds=_seeds)

    models = sub.add_parser("models", help="list stored models")
    models.set_defaults(run=_models)

    backup = sub.add_parser("backup", help="copy the registry to a file while it serves")
    backup.add_argument("target", type=Path)
    backup.set_defaults(run=_backup)

    activate = sub.add_parser("activate", help="make a model active")
    activate.add_argument("ref", help="model id or name")
    activate.set_defaults(run=_activate)
    return p


def _seeds(text: str) -> list[int]:
    seeds: list[int] = []
    for part in text.split(","):
        lo, dash, hi = part.strip().partition("-")
        if not lo.isdigit() or (dash and not hi.isdigit()):
            raise argparse.ArgumentTypeError(f"not a seed list: {text!r} (use 1,2,3 or 0-99)")
        seeds.extend(range(int(lo), int(hi) + 1) if dash else [int(lo)])
    if not seeds or max(seeds) > MAX_SEED:
        raise argparse.ArgumentTypeError(f"seeds must be in 0…{MAX_SEED}")
    return list(dict.fromkeys(seeds))


def _registry() -> Registry:
    reg = open_registry(Settings())
    ensure_defaults(reg)
    return reg


def _serve(args) -> int:
    env = dict(os.environ)
    host, _, port = env.get("ROASTNET_BIND", "127.0.0.1:8000").rpartition(":")
    env["ROASTNET_BIND"] = f"{args.host or host}:{args.port or port}"
    if args.workers:
        env["ROASTNET_WORKERS"] = str(args.workers)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")  # tiny matrices: BLAS threads only cost, in workers and trainer
    open_registry(Settings()).close()  # a clear error now beats one from every worker
    conf = GUNICORN_CONF if GUNICORN_CONF.exists() else Path("gunicorn.conf.py").resolve()  # installed
    cmd = [sys.executable, "-m", "gunicorn", "-c", str(conf), "service.wsgi:app"]
    if args.no_trainer:
        os.execve(sys.executable, cmd, env)
    return supervise(cmd, env)


def _trainer(args) -> int:
    settings = Settings()
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s")
    os.nice(settings.trainer_nice)
    trainer = Trainer(settings)

    def stop(_signum, _frame) -> None:
        trainer.stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    trainer.serve_forever()
    return 0


def _predict(args) -> int:
    model = _registry().get(args.model) if args.model else _registry().active()
    t = to_celsius(args.temperature) if args.unit == "F" else args.temperature
    if args.explain:
        e = model.explainer.explain(t, args.duration, unit=args.unit)
        body = present.explanation(e, args.temperature)
        print(orjson.dumps({"model_id": model.id, **body}, option=orjson.OPT_INDENT_2).decode())
        return 0
    [p] = present.predictions(model.explainer.predict_many(t, args.duration, units=[args.unit]),
                              [args.temperature])
    print(f"{p['label']} roast (probability {p['probability']:.3g}, model {model.id})")
    shown = p["fired"] or p["near_bad"] or ([p["closest"]] if p["closest"] else [])
    for unit in shown:
        print(f"  neuron {unit['neuron']} ({unit['region']}): {unit['reason']}")
    return 0


def _neurons(args) -> int:
    model = _registry().get(args.model) if args.model else _registry().active()
    print(f"model {model.id}")
    for role in model.roles:
        print(f"  neuron {role.neuron} [{role.region}, agreement {role.agreement:.2f}]: {role.description}")
    return 0


def _train(args) -> int:
    req = RetrainRequest(seeds=args.seeds, init=args.init, hidden_units=args.hidden_units,
                         steps=args.steps, activate=args.activate)
    if args.url:
        body = remote.run_job(args.url, req.model_dump(exclude_defaults=True))
    else:
        body = retrain(_registry(), req, max_work=10**15)
    for m in body["models"]:
        print(f"seed {m['seed']}: model {m['id']} {'trained' if m['created'] else 'already stored'}, "
              f"grid accuracy {m['metrics']['grid_accuracy']:.4f}")
    _print_comparison(body["comparison"])
    if body["activated"]:
        print(f"active model: {body['activated']}")
    return 0


def _sweep(args) -> int:
    recipe = Recipe(init=args.init, hidden_units=args.hidden_units)
    chunk, rows, start = 50, [], time.perf_counter()
    if args.url:
        rows = remote.run_jobs(args.url, args.seeds, {"init": args.init, "hidden_units": args.hidden_units})
    for i in range(0, len(args.seeds) if not args.url else 0, chunk):
        seeds = args.seeds[i:i + chunk]
        results = train_seeds(recipe, seeds)
        if args.store:
            _registry().add([as_new_model(r) for r in results])
        rows += compare_seeds([SeedEntry(r.recipe.seed, r.recipe.id, r.network) for r in results])["seeds"]
        _progress(len(rows), len(args.seeds), start)
    covered = sum(r["all_regions_covered"] for r in rows)
    _print_comparison({"seeds": rows, "coverage_rate": covered / len(rows),
                       "summary": f"{covered} of {len(rows)} seeds cover all three regions"})
    print(f"trained {len(rows)} seeds in {time.perf_counter() - start:.2f} s")
    return 0


def _progress(done: int, total: int, start: float) -> None:
    if not sys.stderr.isatty():
        return
    width = 30
    filled = width * done // total
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} seeds "
                     f"{time.perf_counter() - start:5.1f} s")
    sys.stderr.write("\n" if done == total else "")
    sys.stderr.flush()


def _print_comparison(comparison: dict) -> None:
    short = {"temperature_too_low": "T low", "duration_too_short": "d short",
             "too_hot_for_too_long": "hot+long", "temperature_too_high": "T high",
             "duration_too_long": "d long", "unclear": "unclear", "inactive": "inactive"}
    print(f"{'seed':>6}  {'units by region':<44} {'all 3':<5}  {'same region':<12} grid acc")
    for r in comparison["seeds"]:
        regions = ", ".join(f"{short.get(k, k)}:{'+'.join(map(str, v))}" for k, v in r["regions"].items())
        dup = ";".join("+".join(map(str, d)) for d in r["duplicates"]) or "-"
        print(f"{r['seed']:>6}  {regions:<44} {'yes' if r['all_regions_covered'] else 'NO':<5}  "
              f"{dup:<12} {r['grid_accuracy']:.4f}")
    print(f"coverage rate: {comparison['coverage_rate']:.2f} "
          f"({', '.join(PRIMARY_REGIONS)}); {comparison['summary']}")


def _models(args) -> int:
    reg = _registry()
    models, total = reg.summaries(500, 0)
    print(f"{total} models")
    for m in models:
        mark = "*" if m["active"] else " "
        seed = m["recipe"]["seed"] if m["recipe"] else "-"
        acc = f"{m['metrics']['grid_accuracy']:.4f}" if m["metrics"] else "-"
        state = "" if m["usable"] else f"  UNUSABLE: {m['problem']}"
        print(f"{mark} {m['id']}  {m['name'] or '':<8} {m['source']:<7} seed {seed!s:<6} grid {acc}{state}")
    return 0


def _backup(args) -> int:
    reg = open_registry(Settings())
    reg.backup(args.target)
    print(f"backed up {reg!r} to {args.target}")
    return 0


def _activate(args) -> int:
    print(f"active model: {_registry().activate(args.ref)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

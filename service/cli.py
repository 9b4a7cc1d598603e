"""The `roastnet` command: serve, predict, neurons, and the registry (train, sweep, models, activate).

The parser imports nothing heavy: each command's module is imported when that command runs, so
`roastnet --help` and a usage error answer at once, and `predict` loads only what a prediction needs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from model.init_names import DEFAULT_INIT, INITS
from service.server_names import SERVERS

OK, FAILURE, USAGE, NOT_FOUND, CANNOT_START = 0, 1, 2, 3, 4
EPILOG = f"""exit codes:
  {OK}  done
  {FAILURE}  failed (a stored model that does not load, a failed job, a backup not written, …)
  {USAGE}  usage: bad arguments, or a reading or recipe the API would refuse (422)
  {NOT_FOUND}  not found: no model with that id or name
  {CANNOT_START}  cannot start: the registry or the service cannot be reached, the port is taken

--json on a command prints the HTTP API's answer for the same request; errors go to stderr as one
line "roastnet: <detail>", with the API's problem detail where the API has one.
"""
SEED_HELP = "e.g. 1,2,3 or 0-7"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    run = args.run
    if isinstance(run, str):  # "module:function", imported only for the command that runs
        module, _, name = run.partition(":")
        run = getattr(importlib.import_module(module), name)
    try:
        return run(args) or OK
    except Exception as exc:
        from service.cli_output import exit_code

        code = exit_code(exc)
        if code is None:
            raise
        print(f"roastnet: {exc}", file=sys.stderr)
        return code


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="roastnet", description=__doc__.splitlines()[0], epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(required=True, metavar="command")
    printing = argparse.ArgumentParser(add_help=False)
    printing.add_argument("--json", action="store_true",
                          help="print JSON (the API's answer) instead of a table")

    def command(name: str, run: str, help: str, prints: bool = True) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=help, parents=[printing] if prints else [], epilog=EPILOG,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
        cmd.set_defaults(run=run)
        return cmd

    serve = command("serve", "service.cli_commands:serve",
                    "serve the HTTP API with gunicorn, and a trainer beside it", prints=False)
    serve.add_argument("--host", help="default 127.0.0.1, or the host of ROASTNET_BIND")
    serve.add_argument("--port", type=int, help="default 8000, or the port of ROASTNET_BIND")
    serve.add_argument("--workers", type=int, default=None)
    serve.add_argument("--server", choices=SERVERS,
                       help="the HTTP server: gunicorn (default, or ROASTNET_SERVER), or granian "
                            "(the granian extra)")
    serve.add_argument("--no-trainer", action="store_true",
                       help="serve only (trainers run elsewhere: `roastnet trainer`)")

    command("trainer", "service.cli_commands:trainer", "run retrain jobs from the queue until stopped",
            prints=False)

    predict = command("predict", "service.cli_commands:predict", "judge one reading")
    predict.add_argument("temperature", type=float)
    predict.add_argument("duration", type=float)
    predict.add_argument("--unit", choices=["C", "F"], default="C")
    predict.add_argument("--explain", action="store_true", help="print the full explanation (JSON)")
    predict.add_argument("--model", help="model id or name (default: the active one)")

    neurons = command("neurons", "service.cli_commands:neurons", "say what each hidden unit does")
    neurons.add_argument("--model")

    train = command("train", "service.cli_training:train", "train models for seeds into the registry")
    train.add_argument("--seeds", type=seed_list, required=True, help=SEED_HELP)
    train.add_argument("--init", choices=INITS, default=DEFAULT_INIT)
    train.add_argument("--hidden-units", type=int, help="default 3")
    train.add_argument("--steps", type=int, help="default 3000")
    train.add_argument("--activate", type=int, help="the seed whose model becomes active")
    train.add_argument("--url", help="submit a job to the service at this URL instead "
                                     "(token: ROASTNET_ADMIN_TOKEN)")

    sweep = command("sweep", "service.cli_training:sweep",
                    "train many seeds and report how their units divide regions")
    sweep.add_argument("--seeds", type=seed_list, default="0-99", help=f"{SEED_HELP} (default 0-99)")
    sweep.add_argument("--init", choices=INITS, default=DEFAULT_INIT)
    sweep.add_argument("--hidden-units", type=int, help="default 3")
    sweep.add_argument("--store", action="store_true", help="also store every model")
    sweep.add_argument("--url", help="run as jobs on the service at this URL (they store every model)")

    models = command("models", "service.cli_commands:models", "list stored models, newest first")
    models.add_argument("--limit", type=int, help="at most this many (1…500, default 50)")
    models.add_argument("--offset", type=int, default=0, help="skip this many first")

    backup = command("backup", "service.cli_commands:backup", "copy the registry to a file while it serves")
    backup.add_argument("target", type=Path)

    activate = command("activate", "service.cli_commands:activate", "make a model active")
    activate.add_argument("ref", help="model id or name")

    symmetry = command("symmetry", "service.symmetry_command:run",
                       "train symmetric starts perturbed by ε and report, per ε, how often the units "
                       "divide the regions")
    symmetry.add_argument("--perturbations", type=perturbation_list, default="0,1e-7,1e-5,1e-3,1e-1",
                          help="comma-separated ε in 0…1 (default 0,1e-7,1e-5,1e-3,1e-1)")
    symmetry.add_argument("--seeds", type=seed_list, default="0-19", help=f"{SEED_HELP} (default 0-19)")
    symmetry.add_argument("--hidden-units", type=int, help="default 3")
    symmetry.add_argument("--steps", type=int, help="default 3000")
    symmetry.add_argument("--url", help="run one retrain job per ε on the service at this URL (which "
                                        "stores every model; token: ROASTNET_ADMIN_TOKEN)")
    return p


def perturbation_list(text: str) -> list[float]:
    """Parse 0,1e-3,0.1: each ε in 0…1."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r} (use 0,1e-3,0.1)") from None
    if not all(0 <= v <= 1 for v in values):  # NaN fails too
        raise argparse.ArgumentTypeError("every perturbation must be in 0…1")
    return list(dict.fromkeys(values))


def seed_list(text: str) -> list[int]:
    """Parse 1,2,5-7; refuse a list longer than a sweep may be before making it."""
    from service.cli_training import MAX_SWEEP_SEEDS
    from service.schemas import MAX_SEED

    parts: list[tuple[int, int]] = []
    for part in text.split(","):
        lo, dash, hi = part.strip().partition("-")
        if not lo.isdigit() or (dash and not hi.isdigit()):
            raise argparse.ArgumentTypeError(f"not a seed list: {text!r} (use 1,2,3 or 0-99)")
        parts.append((int(lo), int(hi) if dash else int(lo)))
    if any(hi > MAX_SEED for _, hi in parts):
        raise argparse.ArgumentTypeError(f"seeds must be in 0…{MAX_SEED}")
    count = sum(max(0, hi - lo + 1) for lo, hi in parts)
    if count > MAX_SWEEP_SEEDS:
        raise argparse.ArgumentTypeError(
            f"{count:,} seeds is more than the {MAX_SWEEP_SEEDS:,} a sweep may train; ask for fewer")
    seeds = [s for lo, hi in parts for s in range(lo, hi + 1)]
    if not seeds:
        raise argparse.ArgumentTypeError(f"no seeds in {text!r}")
    return list(dict.fromkeys(seeds))


if __name__ == "__main__":
    sys.exit(main())

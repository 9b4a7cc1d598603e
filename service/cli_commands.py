"""The `roastnet` commands that read or run a registry: serve, trainer, predict, neurons, models, …

Each imports what it needs when it runs (see service/cli.py); `predict` loads no Flask and no job queue.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from argparse import Namespace
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Literal

from service.cli_output import CannotStart, Failure, emit, table

if TYPE_CHECKING:  # annotations only: each command imports what it runs
    from service.answers import ModelSummary
    from service.registry import Registry
    from service.stored import StoredModel

GUNICORN_CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def registry() -> Registry:
    """Open the configured registry; a new one gets the default and lab models first."""
    from service.registry import open_registry
    from service.settings import Settings

    reg = open_registry(Settings())
    if reg.active_id is None:  # a registry every server start or earlier command has not set up
        from service.training import ensure_defaults

        ensure_defaults(reg)
    return reg


def find(reg: Registry, ref: str | None) -> StoredModel:
    """Return the model named ``ref`` (the active one for None); NotFound, as the API says it."""
    from service.problems import NotFound
    from service.registry import UnknownModel

    try:
        return reg.get(ref) if ref else reg.active()
    except UnknownModel:
        if ref is None:
            raise NotFound("no model is active; `roastnet activate ID` makes one active") from None
        raise NotFound(f"no model with id or name {ref!r}; `roastnet models` lists them") from None


def serve(args: Namespace) -> int:
    from service.registry import open_registry
    from service.settings import Settings
    from service.supervisor import supervise

    settings = Settings()
    env = dict(os.environ)
    host, port = args.host or settings.host, args.port or settings.port
    env["ROASTNET_BIND"] = f"{host}:{port}"
    if args.workers:
        env["ROASTNET_WORKERS"] = str(args.workers)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")  # tiny matrices: BLAS threads only cost, in workers and trainer
    open_registry(settings).close()  # a clear error now beats one from every worker
    _check_free(host, int(port))
    if (args.server or settings.server) == "granian":
        if importlib.util.find_spec("granian") is None:
            raise CannotStart("cannot start: granian is not installed (pip install 'roastnet[granian]')")
        cmd = [sys.executable, "-m", "service.granian_server"]
    else:
        conf = GUNICORN_CONF if GUNICORN_CONF.exists() else Path("gunicorn.conf.py").resolve()  # installed
        cmd = [sys.executable, "-m", "gunicorn", "-c", str(conf), "service.wsgi:app"]
    if args.no_trainer:
        os.execve(sys.executable, cmd, env)
    return supervise(cmd, env)


def _check_free(host: str, port: int, attempts: int = 5) -> None:
    """Refuse to start on a port another process listens on, after trying as gunicorn would.

    gunicorn tries five times a second apart and then exits 1 with its own lines; checking first
    keeps that patience (a server stopping may still hold the port) and ends with one line and 4.
    """
    import socket
    import time

    for attempt in range(attempts):
        try:
            family, kind, proto, _, address = socket.getaddrinfo(host.strip("[]"), port,
                                                                 type=socket.SOCK_STREAM)[0]
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
                probe.bind(address)
            return
        except OSError as exc:
            if attempt == attempts - 1:
                raise CannotStart(f"cannot start: cannot listen on {host}:{port}: "
                                  f"{exc.strerror or exc}") from None
            time.sleep(1)


def trainer(args: Namespace) -> int:
    import logging
    import signal

    from service.settings import Settings
    from service.trainer import Trainer

    settings = Settings()
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s")
    os.nice(settings.trainer_nice)
    worker = Trainer(settings)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        worker.stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.serve_forever()
    return 0


def predict(args: Namespace) -> int:
    from service import present
    from service.schemas import SingleRequest
    from service.validation import check, check_temperatures

    reading = check(SingleRequest, {"temperature": args.temperature, "duration": args.duration,
                                    "temperature_unit": args.unit})
    check_temperatures([reading.celsius])
    model = find(registry(), args.model)
    t, d, unit = reading.celsius, reading.duration, reading.temperature_unit
    if args.explain:  # POST /v1/explain's answer
        e = model.explainer.explain(t, d, unit=unit)
        args.json = True
        emit(args, {"model_id": model.id, "predictions": [present.explanation(e, reading.temperature)]},
             list)
        return 0
    [p] = present.predictions(model.explainer.predict_many(t, d, units=[unit]), [reading.temperature])

    def lines() -> Iterator[str]:
        where = "; extrapolated: outside the training data" if p["extrapolated"] else ""
        yield f"{p['label']} roast (probability {p['probability']:.3g}, model {model.id}{where})"
        for shown in p["fired"] or p["near_bad"] or ([p["closest"]] if p["closest"] else []):
            yield f"  neuron {shown['neuron']} ({shown['region']}): {shown['reason']}"

    emit(args, {"model_id": model.id, "predictions": [p]}, lines)  # POST /v1/predict's answer
    return 0


def neurons(args: Namespace) -> int:
    from service import present

    model = find(registry(), args.model)
    emit(args, {"model_id": model.id, "neurons": [present.role(r) for r in model.roles]}, lambda: [
        f"model {model.id}", *(f"  neuron {r.neuron} [{r.region}, agreement {r.agreement:.2f}]: "
                               f"{r.description}" for r in model.roles)])
    return 0


def models(args: Namespace) -> int:
    from service.problems import ValidationProblem
    from service.schemas import MAX_MODELS_PAGE, MODELS_PAGE

    limit = MODELS_PAGE if args.limit is None else args.limit
    if not 1 <= limit <= MAX_MODELS_PAGE:
        raise ValidationProblem(f"limit must be a whole number from 1 to {MAX_MODELS_PAGE}, got {limit}")
    if args.offset < 0:
        raise ValidationProblem(f"offset must be a whole number from 0, got {args.offset}")
    rows, total = registry().summaries(limit, args.offset)

    def lines() -> Iterator[str]:
        yield f"{total} models" + (f", {args.offset + 1}…{args.offset + len(rows)} shown"
                                   if len(rows) < total else "")
        yield from table(
            ["id", "name", "source", "seed", "init", "hidden", "train acc", "grid acc", "loss", "active"],
            [_model_row(m) for m in rows])
        for m in rows:
            if not m["usable"]:
                yield f"model {m['id']} is UNUSABLE: {m['problem']}"

    emit(args, {"models": rows, "total": total, "limit": limit, "offset": args.offset}, lines)
    return 0


def _model_row(m: ModelSummary) -> list[object]:
    recipe, metrics = m["recipe"], m["metrics"]

    def num(key: Literal["train_accuracy", "grid_accuracy", "final_loss"], fmt: str) -> str | None:
        return None if metrics is None else format(metrics[key], fmt)

    return [m["id"], m["name"], m["source"], recipe and recipe["seed"], recipe and recipe["init"],
            recipe and recipe["hidden_units"], num("train_accuracy", ".4f"),
            num("grid_accuracy", ".4f"), num("final_loss", ".4g"), "*" if m["active"] else ""]


def backup(args: Namespace) -> int:
    from service.registry import RegistryError, open_registry
    from service.settings import Settings

    target: Path = args.target
    if not target.parent.is_dir():
        raise Failure(f"cannot write the backup {target}: the directory {target.parent} does not exist")
    reg = open_registry(Settings())
    failures: tuple[type[Exception], ...] = (OSError, RegistryError, *reg.errors)
    try:
        reg.backup(target)
    except failures as exc:
        raise Failure(f"cannot write the backup {target}: {exc}") from None
    emit(args, {"backup": str(target), "registry": reg.kind},
         lambda: [f"backed up the {reg.kind} registry to {target}"])
    return 0


def activate(args: Namespace) -> int:
    from service import present

    reg = registry()
    model = find(reg, args.ref)
    reg.activate(model.id)
    emit(args, present.model_detail(model, model.id), lambda: [f"active model: {model.id}"])
    return 0

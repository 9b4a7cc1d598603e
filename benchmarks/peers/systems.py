"""The systems `make bench-peers` compares: how to install, start and ask each one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

SINGLE = (200.0, 13.9)


@dataclass(frozen=True)
class System:
    key: str
    name: str
    answer: str
    path: str
    batch: Callable[[list[tuple[float, float]]], bytes]
    probabilities: Callable[[dict], list[float]]
    packages: tuple[str, ...] = ()
    command: Callable[[Path, int], list[str]] | None = None

    @property
    def single(self) -> bytes:
        return self.batch([SINGLE]) if self.key == "kserve" else _reading(*SINGLE)


def _reading(t: float, d: float) -> bytes:
    return orjson.dumps({"temperature": t, "duration": d})


def _readings(readings: list[tuple[float, float]]) -> bytes:
    return orjson.dumps({"readings": [{"temperature": t, "duration": d} for t, d in readings]})


def _predictions(answer: dict) -> list[float]:
    return [p["probability"] for p in answer["predictions"]]


ROASTNET = System("roastnet", "roastnet (gunicorn.conf.py defaults)", "full explanation",
                  "/v1/predict", _readings, _predictions)

ROASTNET_GRANIAN = System("roastnet-granian", "roastnet (serve --server granian)", "full explanation",
                          "/v1/predict", _readings, _predictions)
OURS = (ROASTNET, ROASTNET_GRANIAN)
# The floor under each server: a Flask view that parses the JSON body and echoes it
# (benchmarks/bare_app.py), with no model and none of roastnet's hooks. No app on that server
# can answer faster, so these rows bound what roastnet's own code could gain.
BARE = System("bare", "bare Flask echo (gunicorn.conf.py)", "the body echoed, no model", "/bare",
              _readings, _predictions)
BARE_GRANIAN = System("bare-granian", "bare Flask echo (granian, as serve runs it)",
                      "the body echoed, no model", "/bare", _readings, _predictions)
FLOORS = (BARE, BARE_GRANIAN)

FASTAPI = System(
    "fastapi", "FastAPI + uvicorn (uvloop, httptools)", "probability + label", "/v1/predict",
    _readings, _predictions, packages=("fastapi[standard]", "numpy"),
    command=lambda venv, port: [str(venv / "bin" / "uvicorn"), "fastapi_app:app", "--host", "127.0.0.1",
                                "--port", str(port), "--workers", "2", "--loop", "uvloop",
                                "--http", "httptools", "--no-access-log", "--log-level", "warning"])

KSERVE = System(
    "kserve", "KServe model server (V1 protocol)", "bare probability", "/v1/models/roast:predict",
    lambda readings: orjson.dumps({"instances": [[t, d] for t, d in readings]}),
    lambda answer: answer["predictions"], packages=("kserve", "numpy"),
    command=lambda venv, port: [str(venv / "bin" / "python"), "kserve_model.py", "--http_port", str(port),
                                "--workers", "2", "--enable_grpc", "false",
                                "--enable_latency_logging", "false"])

PEERS = [FASTAPI, KSERVE]

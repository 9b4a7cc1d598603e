"""Configuration from ROASTNET_* environment variables."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.schemas import MAX_BATCH, MAX_EXPLAIN_BATCH
from service.server_names import DEFAULT_SERVER, Server

# Request limits the app enforces (as problem+json); gunicorn's own are set above them.
MAX_URI = 4096  # bytes of path and query
MAX_HEADER_FIELD = 8192  # bytes in one header field
MAX_HEADER_FIELDS = 50
MAX_WAIT = 30  # seconds: the default cap on Prefer: wait=N


class Settings(BaseSettings):
    """Typed settings; every field can be set as ROASTNET_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="ROASTNET_", extra="ignore")

    data_dir: Path = Path("var")
    # postgresql://… puts models and jobs on a shared server; empty keeps SQLite in data_dir.
    database_url: str | None = None
    database_pool_size: int = Field(4, ge=1, le=64)
    # redis://… makes the job queue shared by trainers on many hosts; empty keeps it in data_dir.
    queue_url: str | None = None
    queue_name: str = Field("roastnet", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    admin_token: SecretStr | None = None
    max_body_bytes: int = Field(4 * 1024 * 1024, ge=1024)
    max_predict_readings: int = Field(MAX_BATCH, ge=1)
    max_explain_readings: int = Field(MAX_EXPLAIN_BATCH, ge=1)
    # The per-job limit on seeds × samples × hidden units × steps: about 4 ns each here, so a
    # job of 2e9 trains for about 10 s in the trainer process, never in a web worker.
    max_retrain_work: int = Field(2_000_000_000, ge=1)
    # A trainer renews its lease on a running job every lease/3 s; a job whose lease runs out
    # (the trainer died) is run again, up to job_attempts times, then failed with a problem.
    job_lease_seconds: float = Field(15.0, gt=0.5, le=3600)
    job_attempts: int = Field(2, ge=1, le=10)
    # The trainer's CPU priority below the web workers' (os.nice): predictions keep their latency.
    trainer_nice: int = Field(10, ge=0, le=19)
    # The longest a client may hold a web worker waiting for its job with Prefer: wait=N.
    max_wait_seconds: int = Field(MAX_WAIT, ge=0, le=50)
    # A queued job that no trainer took this long is delivered again (the queue may have lost it).
    job_requeue_seconds: float = Field(60.0, gt=1)
    seed_on_start: bool = True
    log_level: str = "INFO"
    # "json": one JSON object per log line, and one line per request (see service/logs.py).
    log_format: Literal["text", "json"] = "text"
    # Prometheus metrics at GET /metrics (false: no counting and no route).
    metrics: bool = True
    # Origins that browsers may call from: a comma-separated list, or "*"; empty turns CORS off.
    cors_origins: str = ""

    # The HTTP server (gunicorn.conf.py, or granian: service/granian_server.py).
    # gunicorn by default; granian is Rust's HTTP server for the same app (the `granian` extra).
    server: Server = DEFAULT_SERVER
    bind: str = Field("127.0.0.1:8000", pattern=r"^.+:[0-9]{1,5}$")
    workers: int = Field(default_factory=lambda: 2 * multiprocessing.cpu_count(), ge=1, le=256)
    threads: int = Field(2, ge=1, le=64)  # per worker
    worker_connections: int = Field(1000, ge=1)  # gunicorn: each worker's cap
    # Recycle a worker whose resident memory grew this much since it warmed up (0: never), or
    # after max_requests requests (0: never); one worker at a time (service/recycling.py).
    recycle_growth_mib: float = Field(256, ge=0)
    max_requests: int = Field(0, ge=0)
    access_log: str | None = None  # "-": a line per request on standard output

    @property
    def host(self) -> str:
        return self.bind.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.bind.rpartition(":")[2])

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]


class RegistryError(Exception):
    """The store cannot be opened or written (permissions, a missing or read-only directory)."""


def ensure_writable(data_dir: Path) -> None:
    """Create data_dir if needed and prove it writable; RegistryError naming the path otherwise."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RegistryError(f"cannot create the data directory {data_dir}: {exc.strerror}") from exc
    probe = data_dir / f".write-test-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise RegistryError(f"the data directory {data_dir} is not writable: {exc.strerror}") from exc

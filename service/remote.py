"""Submit retrain jobs to a running service (`roastnet train --url`, `roastnet sweep --url`)."""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from service.schemas import MAX_SEEDS

if TYPE_CHECKING:
    from service.answers import Job, RetrainResponse, SeedRow

FINISHED = ("succeeded", "failed", "cancelled")
Progress = Callable[[int, int, int], None]  # (seeds done, step, steps), as service.training


class RemoteError(Exception):
    """The service refused or failed a call; the message is its problem detail."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Unreachable(RemoteError):
    """No answer from the service at all (refused, unknown host, timed out)."""


def token() -> str:
    value = os.environ.get("ROASTNET_ADMIN_TOKEN", "").strip()
    if not value:
        raise RemoteError("set ROASTNET_ADMIN_TOKEN to the service's admin token to submit jobs")
    return value


def call(method: str, url: str, body: dict | None = None, headers: dict | None = None,
         timeout: float = 60) -> tuple[int, dict[str, str], Any]:
    data = orjson.dumps(body) if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Bearer {token()}", "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), orjson.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            detail = orjson.loads(exc.read())["detail"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            detail = exc.reason
        raise RemoteError(f"{method} {url}: {exc.code} {detail}", exc.code) from None
    except (urllib.error.URLError, OSError) as exc:
        raise Unreachable(f"cannot reach {url}: {getattr(exc, 'reason', exc)}") from None


def run_job(base: str, body: dict[str, Any], progress: Progress | None = None) -> RetrainResponse:
    """Submit one retrain, follow it to the end and return its result.

    ``progress(seeds_done, step, steps)`` hears of the job's progress every time it is polled.
    """
    base = base.rstrip("/")
    job: Job
    _, headers, job = call("POST", f"{base}/v1/retrain", body, {"Prefer": "wait=5"})
    location = headers.get("Location", f"/v1/jobs/{job['id']}")
    while job["status"] not in FINISHED:
        if progress is not None:
            p = job["progress"]
            progress(p["seeds_done"], p["step"], p["steps"])
        time.sleep(0.5)
        _, _, job = call("GET", base + location)
    if job["status"] != "succeeded" or job["result"] is None:
        problem = job["problem"]
        detail, status = (problem["detail"], problem["status"]) if problem else (None, None)
        raise RemoteError(f"job {job['id']} {job['status']}: {detail}", status)
    return job["result"]


def run_jobs(base: str, seeds: list[int], recipe: dict[str, Any],
             progress: Progress | None = None) -> list[SeedRow]:
    """Train many seeds as jobs of up to MAX_SEEDS each, one after another; return the seed rows."""
    rows: list[SeedRow] = []
    for i in range(0, len(seeds), MAX_SEEDS):
        def within(done: int, step: int, steps: int, before: int = len(rows)) -> None:
            if progress is not None:
                progress(before + done, step, steps)

        result = run_job(base, {"seeds": seeds[i:i + MAX_SEEDS], **recipe}, within)
        rows += result["comparison"]["seeds"]
    return rows


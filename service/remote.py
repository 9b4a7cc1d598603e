"""Submit retrain jobs to a running service (`roastnet train --url`, `roastnet sweep --url`)."""

from __future__ import annotations

import os
import sys
import time
import urllib.error
import urllib.request
from typing import Any

import orjson

from service.schemas import MAX_SEEDS

FINISHED = ("succeeded", "failed", "cancelled")


class RemoteError(Exception):
    """The service refused or failed a call; the message is its problem detail."""


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
        raise RemoteError(f"{method} {url}: {exc.code} {detail}") from None
    except urllib.error.URLError as exc:
        raise RemoteError(f"cannot reach {url}: {exc.reason}") from None


def run_job(base: str, body: dict[str, Any]) -> dict[str, Any]:
    """Submit one retrain, follow it to the end (progress on a terminal) and return its result."""
    base = base.rstrip("/")
    _, headers, job = call("POST", f"{base}/v1/retrain", body, {"Prefer": "wait=5"})
    location = headers.get("Location", f"/v1/jobs/{job['id']}")
    while job["status"] not in FINISHED:
        _progress(job)
        time.sleep(0.5)
        _, _, job = call("GET", base + location)
    if job["status"] != "succeeded":
        raise RemoteError(f"job {job['id']} {job['status']}: {(job['problem'] or {}).get('detail')}")
    return job["result"]


def run_jobs(base: str, seeds: list[int], recipe: dict[str, Any]) -> list[dict[str, Any]]:
    """Train many seeds as jobs of up to MAX_SEEDS each, one after another; return the seed rows."""
    rows: list[dict[str, Any]] = []
    for i in range(0, len(seeds), MAX_SEEDS):
        result = run_job(base, {"seeds": seeds[i:i + MAX_SEEDS], **recipe})
        rows += result["comparison"]["seeds"]
    return rows


def _progress(job: dict[str, Any]) -> None:
    if not sys.stderr.isatty():
        return
    p = job["progress"]
    sys.stderr.write(f"\rjob {job['id'][:8]} {job['status']}: {p['seeds_done']}/{p['seeds_total']} seeds, "
                     f"step {p['step']}/{p['steps']}   ")
    sys.stderr.flush()

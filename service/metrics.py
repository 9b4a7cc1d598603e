"""Prometheus metrics at GET /metrics, summed over every gunicorn worker.

Under gunicorn (gunicorn.conf.py) each worker writes its counts to files in a temporary directory
made by the master (prometheus-client's multiprocess mode, PROMETHEUS_MULTIPROC_DIR), and a scrape
of any worker reads them all. The registry size, the active model and the process figures of the
master and every worker are read when scraped. Without gunicorn the counts live in this process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from flask import Blueprint, Flask, Response, current_app, g
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric

from service.contract import operation
from service.http import current_request

if TYPE_CHECKING:
    from service.present import Tally

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
SECONDS = (.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60)

_counted = CollectorRegistry()  # the counts of this process when not under gunicorn
REQUESTS = Counter("roastnet_http_requests", "HTTP requests answered, by route, method and status",
                   ["route", "method", "status"], registry=_counted)
LATENCY = Histogram("roastnet_http_request_duration_seconds", "Time from request to answer, by route",
                    ["route", "method"], buckets=SECONDS, registry=_counted)
PREDICTIONS = Counter("roastnet_predictions", "Readings answered by /v1/predict and /v1/explain, by verdict "
                      "and model", ["verdict", "model"], registry=_counted)
FIRED = Counter("roastnet_fired_units", "Units responsible for a bad verdict, by the region they cover",
                ["region", "model"], registry=_counted)


bp = Blueprint("metrics", __name__)


def init_app(app: Flask) -> None:
    """Count every answer; keep what GET /metrics reads (app.py adds the route)."""
    scraped = CollectorRegistry()
    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.MultiProcessCollector(scraped)
    else:
        scraped = _counted
    current = CollectorRegistry()
    current.register(_RegistryState(app))
    current.register(_Processes())
    app.extensions["roastnet.metrics"] = (scraped, current)
    app.after_request(_count)


def _count(response: Response) -> Response:
    req, ctx = current_request(), g._get_current_object()  # one look-up each
    rule = req.url_rule
    method = req.method if req.method in METHODS else "other"  # clients choose it: keep it bounded
    key = (rule.rule if rule is not None else "unmatched", method, response.status_code)
    children = _children.get(key)
    if children is None:
        children = _children[key] = (REQUESTS.labels(*key[:2], str(key[2])), LATENCY.labels(*key[:2]))
    children[0].inc()
    started = getattr(ctx, "started", None)  # set by service.logs as the request begins
    if started is not None:
        children[1].observe(time.perf_counter() - started)
    tally = getattr(ctx, "tally", None)
    if tally is not None:
        _count_predictions(tally)
    return response


@bp.get("/metrics")
@operation("Prometheus metrics of every worker (404 when ROASTNET_METRICS=false)",
           "Prometheus text, summed over every worker: requests by route, method and status, their "
           "latency, readings answered by verdict and model, responsible units by region, the "
           "registry's size, the active model and the process figures of each worker. Absent (404) "
           "when the server runs with ROASTNET_METRICS=false.",
           (200, "text"), cached=False)
def metrics() -> Response:
    """Serve every worker's counts and the figures read now."""
    body = b"".join(generate_latest(r) for r in current_app.extensions["roastnet.metrics"])
    return Response(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


_children: dict[tuple, tuple] = {}  # (route, method, status) -> the two labelled series, made once
_verdicts: dict[tuple[str, str], Counter] = {}
_fired: dict[tuple[str, str], Counter] = {}


def _count_predictions(tally: Tally) -> None:
    model = tally.model_id
    if len(tally.good) == 1:  # most requests: plain Python is cheaper than numpy for one row
        good = 1 if tally.good[0] else 0
        fired = None if tally.states is None else [1 if s == 1 else 0 for s in tally.states[0].tolist()]
    else:
        good = int(np.count_nonzero(tally.good))
        fired = None if tally.states is None else np.count_nonzero(tally.states == 1, axis=0).tolist()
    for verdict, n in (("good", good), ("bad", len(tally.good) - good)):
        if n:
            _series(_verdicts, PREDICTIONS, verdict, model).inc(n)
    for region, n in zip(tally.regions, fired or (), strict=False):
        if n:
            _series(_fired, FIRED, region, model).inc(n)


def _series(cache: dict[tuple[str, str], Counter], family: Counter, label: str, model: str) -> Counter:
    """Return the labelled counter, made once (prometheus-client's labels() takes a lock each call)."""
    series = cache.get((label, model))
    if series is None:
        series = cache[label, model] = family.labels(label, model)
    return series


class _RegistryState:
    """The registry's size and the active model, read at scrape time."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        registry = self.app.extensions["roastnet.registry"]
        try:
            total = registry.summaries(1, 0)[1]
            active = registry.active()
        except Exception:  # an unreachable registry shows as missing series (and /readyz says why)
            return
        yield GaugeMetricFamily("roastnet_registry_models", "Models stored in the registry", value=total)
        info = InfoMetricFamily("roastnet_active_model", "The model that answers requests without ?model=")
        info.add_metric([], {"id": active.id, "name": active.name or "", "source": active.source})
        yield info


class _Processes:
    """process_* figures of gunicorn's master and each worker, labelled by pid."""

    def collect(self) -> Iterator[Metric]:
        families: dict[str, Metric] = {}
        for pid in _server_pids():
            for family in ProcessCollector(pid=partial(int, pid), registry=None).collect():
                merged = families.setdefault(family.name, Metric(family.name, family.documentation,
                                                                 family.type))
                for s in family.samples:
                    merged.add_sample(s.name, {**s.labels, "pid": str(pid)}, s.value)
        yield from families.values()


def _server_pids() -> list[int]:
    """Return this process alone, or under gunicorn its master and every worker."""
    if not os.environ.get(MULTIPROCESS_DIR):
        return [os.getpid()]
    master = os.getppid()
    children = Path(f"/proc/{master}/task/{master}/children")
    try:
        return [master] + [int(p) for p in children.read_text().split()]
    except OSError:
        return [os.getpid()]

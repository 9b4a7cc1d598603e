"""Request ids and one log line per request; JSON lines when ROASTNET_LOG_FORMAT=json.

A request's id comes from its X-Request-ID header when that is a plain token (letters, digits and
``._:-``, at most 128), else a new one is made; the answer echoes it in X-Request-ID and problem
bodies carry it as ``instance``. The request line holds no header and no body, so a token never
reaches a log.
"""

from __future__ import annotations

import logging
import os
import random
import re
import time
from datetime import UTC, datetime

import orjson
from flask import Flask, Response, g, has_request_context, request

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
FIELDS = ("request_id", "method", "route", "status", "duration_ms", "model_id", "readings", "remote_addr")
log = logging.getLogger("roastnet.request")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message and any request fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        for name in FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def configure(level: str, json: bool) -> None:
    """Set the root logger's level and, with no handler yet (no gunicorn), give it one."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter() if json else logging.Formatter(
            "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level.upper())


def gunicorn_config(level: str = "INFO") -> dict:
    """Return gunicorn's logconfig_dict: its own lines and the app's, all as JSON on stderr."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    own = {"level": level.upper(), "handlers": ["stderr"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": handler},
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {"gunicorn.error": own, "gunicorn.access": {**own, "level": "INFO"}},
    }


def init_app(app: Flask, request_lines: bool) -> None:
    """Give every request an id; with request_lines, log one line per answer."""

    def start() -> None:
        ctx = g._get_current_object()
        ctx.started = time.perf_counter()
        given = request.environ.get("HTTP_X_REQUEST_ID")
        ctx.request_id = given if given and REQUEST_ID.fullmatch(given) else _new_id()

    def finish(response: Response) -> Response:
        request_id = getattr(g._get_current_object(), "request_id", None) or _new_id()
        response.headers.add("X-Request-ID", request_id)  # every answer passes here once: add
        if request_lines:
            rule = request.url_rule
            tally = g.get("tally")
            log.info("%s %s %s", request.method, request.path, response.status_code, extra={
                "request_id": request_id, "method": request.method,
                "route": rule.rule if rule is not None else None, "status": response.status_code,
                "duration_ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1e3, 3),
                "model_id": response.headers.get("X-Model-Id"),
                "readings": len(tally.good) if tally is not None else None,
                "remote_addr": request.remote_addr})
        return response

    app.before_request_funcs.setdefault(None, []).insert(0, start)
    app.after_request(finish)


# Request ids need to be unique, not secret: a generator seeded from os.urandom (again in each
# forked worker) gives them without a system call per request, in which a threaded worker would
# hand the GIL to another thread and wait to get it back.
_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)


def _new_id() -> str:
    """Return 128 random bits in hex (a UUID object would only cost more)."""
    return f"{_ids.getrandbits(128):032x}"


def request_id() -> str | None:
    """Return this request's id (None outside a request)."""
    return g.get("request_id") if has_request_context() else None

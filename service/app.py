"""The application factory: settings in, a ready Flask app out."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

from service import caching, compression, cors, errors, logs, metrics, tracing
from service.api import add_routes
from service.auth import load_or_create_token
from service.jobs import JobQueue
from service.registry import Registry, open_registry
from service.settings import MAX_HEADER_FIELD, MAX_HEADER_FIELDS, MAX_URI, Settings
from service.training import ensure_defaults

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi.yaml"
log = logging.getLogger("roastnet")


class App(Flask):
    """Flask, handing the server a body held in memory as the list it is, and knowing which of
    its functions are plain ``def`` without asking again on every request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._synchronous: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        # Flask asks of every hook and view on every request (inspect.iscoroutinefunction each
        # time, eight or more per request); the answer for a function never changes.
        sync = self._synchronous.get(func)
        if sync is None:
            sync = self._synchronous[func] = super().ensure_sync(func)
        return sync

    def process_response(self, response: Response) -> Response:
        response = super().process_response(response)
        # A list goes out in one write under granian, where an iterator costs a call into Python
        # per chunk; HEAD, 204 and 304 answers still send no body (get_app_iter). Only bytes may
        # pass unencoded: a list given text stays with werkzeug, which encodes it. An answer with
        # work left for after it is sent (call_on_close) keeps werkzeug's closing iterator.
        if (response.is_sequence and not response._on_close
                and all(type(part) is bytes for part in response.response)):
            response.direct_passthrough = True
        return response


def create_app(settings: Settings | None = None, registry: Registry | None = None) -> Flask:
    """Build the app; open (and on first start fill) the registry in settings.data_dir."""
    settings = settings or Settings()
    app = App(__name__, static_folder=None)  # api/explorer.py serves service/static
    app.config.update(
        ROASTNET=settings,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        ROASTNET_SPEC=_spec(),
        # OPTIONS is not part of the contract: it answers 405 with Allow, like any other method.
        PROVIDE_AUTOMATIC_OPTIONS=False,
    )
    registry = registry or open_registry(settings)
    if settings.seed_on_start:
        ensure_defaults(registry)
    app.extensions["roastnet.registry"] = registry
    app.extensions["roastnet.queue"] = JobQueue(settings)  # this process queues jobs, never runs them
    token = settings.admin_token.get_secret_value() if settings.admin_token else None
    app.config["ROASTNET_TOKEN"] = token or load_or_create_token(settings.data_dir)

    # after_request hooks run in the reverse order of registration: the request log and the
    # metrics run last, so that they see the answer as sent (compressed, or a 304).
    logs.init_app(app, request_lines=settings.log_format == "json")
    if settings.metrics:
        metrics.init_app(app)
    compression.init_app(app)
    errors.init_app(app)
    add_routes(app, settings.metrics)
    app.before_request(_request_limits)
    caching.init_app(app)  # runs before compression, which suffixes the ETag made here per coding
    cors.init_app(app, settings.cors_origin_list)
    app.after_request(_headers)
    tracing.init_app(app)
    return app


def _spec() -> bytes:
    """Return openapi.yaml; an installed copy without the file renders the same text."""
    if SPEC_PATH.exists():
        return SPEC_PATH.read_bytes()
    from service.spec import render

    return render().encode()


def _request_limits() -> None:
    environ = request.environ
    uri = environ.get("RAW_URI") or environ.get("PATH_INFO", "") + "?" + environ.get("QUERY_STRING", "")
    if len(uri) > MAX_URI:
        raise errors.URITooLong(f"the path and query are longer than {MAX_URI} bytes")
    fields = [v for k, v in environ.items() if k[:5] == "HTTP_"]
    if len(fields) > MAX_HEADER_FIELDS:
        raise errors.HeadersTooLarge(f"more than {MAX_HEADER_FIELDS} header fields")
    if any(len(v) > MAX_HEADER_FIELD for v in fields):
        raise errors.HeadersTooLarge(f"a header field is longer than {MAX_HEADER_FIELD} bytes")


def _headers(response: Response) -> Response:
    response.headers.add("X-Content-Type-Options", "nosniff")  # every answer passes here once: add
    if response.status_code == 204:
        del response.headers["Content-Type"]  # no content, so no type (Flask gives every answer one)
    return response

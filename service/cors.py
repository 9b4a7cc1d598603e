"""Cross-origin access for browser dashboards: flask-cors with the origins in ROASTNET_CORS_ORIGINS."""

from __future__ import annotations

from flask import Flask, Response
from flask_cors import CORS
from werkzeug.exceptions import MethodNotAllowed

from service.http import current_request

# Headers a page may send besides the simple ones, and the ones it may read from an answer.
REQUEST_HEADERS = ["Authorization", "Content-Type", "If-None-Match", "X-Request-ID"]
EXPOSED_HEADERS = ["ETag", "Location", "WWW-Authenticate", "X-Model-Id", "X-Request-ID"]
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE"]
PREFLIGHT_MAX_AGE = 600


def init_app(app: Flask, origins: list[str]) -> None:
    """Answer preflights and add Access-Control-* headers to every answer, errors included."""
    if not origins:
        return
    app.before_request(_preflight)
    CORS(app, origins="*" if "*" in origins else origins, methods=METHODS,
         allow_headers=REQUEST_HEADERS, expose_headers=EXPOSED_HEADERS, max_age=PREFLIGHT_MAX_AGE,
         supports_credentials=False, vary_header=True)


def _preflight() -> Response | None:
    """Answer 204 to a preflight on an existing route; flask-cors adds the Access-Control-* headers.

    OPTIONS is otherwise not part of the contract (405), so the answer is made here rather than
    by Flask's automatic OPTIONS handling.
    """
    req = current_request()
    if req.method != "OPTIONS" or "Access-Control-Request-Method" not in req.headers:
        return None
    if "Origin" not in req.headers:
        return None
    exc = req.routing_exception
    if exc is not None and not isinstance(exc, MethodNotAllowed):
        return None  # no such route: 404 as usual
    return Response(status=204)

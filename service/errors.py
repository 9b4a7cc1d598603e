"""The one place that turns every error into RFC 9457 problem+json (the problems: service/problems.py)."""

from __future__ import annotations

import logging

import orjson
from flask import Flask, Response, current_app
from werkzeug.exceptions import HTTPException

from service import logs
from service.problems import (  # noqa: F401  (re-exported: the views import them from here)
    BodyTooLarge,
    Conflict,
    HeadersTooLarge,
    MalformedJSON,
    ModelUnusable,
    NotFound,
    Problem,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
    URITooLong,
    ValidationProblem,
    too_large,
)

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("roastnet")


def problem_response(problem: Problem) -> Response:
    body = problem.body()
    request_id = logs.request_id()
    if request_id:
        body["instance"] = f"urn:roastnet:request:{request_id}"
    response = Response(orjson.dumps(body), status=problem.status, mimetype=PROBLEM_JSON)
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    """Register the handlers: domain problems, HTTP errors and anything unexpected."""

    @app.errorhandler(Problem)
    def _problem(exc: Problem) -> Response:
        return problem_response(exc)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        problem = Problem(_http_detail(exc))
        problem.status = exc.code or 500
        problem.title = exc.name
        problem.slug = exc.name.lower().replace(" ", "-")
        response = problem_response(problem)
        if exc.code == 405 and exc.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error")
        problem = Problem("an unexpected error occurred; it has been logged")
        problem.status, problem.title, problem.slug = 500, "Internal server error", "internal"
        return problem_response(problem)


def _http_detail(exc: HTTPException) -> str:
    details = {
        404: "no such resource; GET /openapi.yaml lists every route",
        405: "this method is not allowed on this route",
    }
    if exc.code == 413:
        return too_large(current_app.config.get("MAX_CONTENT_LENGTH"))
    return details.get(exc.code or 0, exc.description or exc.name)

"""The one place that turns every error into RFC 9457 problem+json (the problems: service/problems.py)."""

from __future__ import annotations

import logging

import orjson
from flask import Flask, Response, current_app
from werkzeug.exceptions import HTTPException, MethodNotAllowed

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

    # The store's own exceptions, worded once for every route.
    from service.registry import ModelIsActive, RegistryError, UnknownModel
    from service.stored import BrokenModel

    @app.errorhandler(UnknownModel)
    def _unknown(exc: UnknownModel) -> Response:
        if exc.ref is None:
            return problem_response(NotFound("no model is active; PUT /v1/models/active makes one active"))
        return problem_response(NotFound(f"no model with id or name {exc.ref!r}; GET /v1/models lists them"))

    @app.errorhandler(BrokenModel)
    def _broken(exc: BrokenModel) -> Response:
        return problem_response(ModelUnusable(str(exc)))

    @app.errorhandler(ModelIsActive)
    def _active(exc: ModelIsActive) -> Response:
        return problem_response(Conflict(f"model {exc.ref!r} is active; activate another before deleting it"))

    @app.errorhandler(RegistryError)
    def _store(exc: RegistryError) -> Response:
        log.error("registry unavailable: %s", exc)
        return problem_response(Unavailable("the model registry cannot be reached; try again shortly"))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        problem = Problem(_http_detail(exc))
        problem.status = exc.code or 500
        problem.title = exc.name
        problem.slug = exc.name.lower().replace(" ", "-")
        response = problem_response(problem)
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
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
        return too_large(current_app.config["MAX_CONTENT_LENGTH"])  # always set: service/app.py
    return details.get(exc.code or 0, exc.description or exc.name)

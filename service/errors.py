"""Domain exceptions and the one place that turns every error into RFC 9457 problem+json."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from flask import Flask, Response, current_app
from werkzeug.exceptions import HTTPException

from service import logs

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("roastnet")


class Problem(Exception):
    """An error with an HTTP status, a short title and a detail a person can act on."""

    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": f"/problems/{self.slug}", "title": self.title,
                                "status": self.status, "detail": self.detail}
        if self.errors:
            body["errors"] = self.errors
        return body


class MalformedJSON(Problem):
    title, slug = "Malformed JSON", "malformed-json"


class ValidationProblem(Problem):
    status, title, slug = 422, "Invalid request", "validation"


class Unauthorized(Problem):
    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="roastnet admin"'})


class NotFound(Problem):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(Problem):
    status, title, slug = 409, "Conflict", "conflict"


class ModelUnusable(Problem):
    status, title, slug = 409, "Model unusable", "model-unusable"


class UnsupportedMediaType(Problem):
    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


class BodyTooLarge(Problem):
    status, title, slug = 413, "Request Entity Too Large", "request-entity-too-large"


class URITooLong(Problem):
    status, title, slug = 414, "URI too long", "uri-too-long"


class HeadersTooLarge(Problem):
    status, title, slug = 431, "Request header fields too large", "headers-too-large"


class Unavailable(Problem):
    status, title, slug = 503, "Service unavailable", "unavailable"


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
        if exc.code == 405 and exc.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error")
        problem = Problem("an unexpected error occurred; it has been logged")
        problem.status, problem.title, problem.slug = 500, "Internal server error", "internal"
        return problem_response(problem)


def too_large(limit: int) -> str:
    return f"the request body is larger than the limit of {limit:,} bytes"


def _http_detail(exc: HTTPException) -> str:
    details = {
        404: "no such resource; GET /openapi.yaml lists every route",
        405: "this method is not allowed on this route",
    }
    if exc.code == 413:
        return too_large(current_app.config.get("MAX_CONTENT_LENGTH"))
    return details.get(exc.code or 0, exc.description or exc.name)

"""Domain problems: errors with an HTTP status, title and detail (no Flask, so the CLI shares them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports this module: no pydantic at run time for a type
    from service.answers import FieldError, ProblemDetail


class Problem(Exception):
    """An error with an HTTP status, a short title and a detail a person can act on."""

    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> ProblemDetail:
        body: ProblemDetail = {"type": f"/problems/{self.slug}", "title": self.title,
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


def too_large(limit: int) -> str:
    return f"the request body is larger than the limit of {limit:,} bytes"

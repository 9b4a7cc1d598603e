"""Request parsing and response writing shared by the views: a chain of small functions."""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any, cast

import orjson
from flask import Request, Response, current_app, request

from service.contract import query_value
from service.errors import (
    BodyTooLarge,
    MalformedJSON,
    Problem,
    UnsupportedMediaType,
    ValidationProblem,
    too_large,
)
from service.params import MODEL
from service.registry import Registry
from service.stored import StoredModel
from service.validation import parse  # noqa: F401  (the views import it from here)

if TYPE_CHECKING:
    from werkzeug.local import LocalProxy


def current_request() -> Request:
    """Return the request itself: one look-up through the context-local proxy, not one per use."""
    return cast("LocalProxy[Request]", request)._get_current_object()  # Flask types it as Request


def json_response(body: Any, status: int = 200, model_id: str | None = None) -> Response:
    response = Response(orjson.dumps(body), status=status, content_type="application/json")
    if model_id is not None:
        response.headers.add("X-Model-Id", model_id)  # a new answer: nothing to replace
    return response


def body_bytes() -> bytes:
    """Return the JSON body, gunzipped if sent so; refuse other content types and codings."""
    return body(())[1]


def body(others: tuple[str, ...]) -> tuple[str, bytes]:
    """Return the body's media type (application/json or one of ``others``) and its bytes."""
    req = current_request()
    environ = req.environ
    mimetype = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
    if mimetype == "application/json" or mimetype.endswith("+json"):
        mimetype = "application/json"
    elif mimetype not in others:
        raise UnsupportedMediaType(
            f"send the body as {' or '.join(('application/json', *others))} "
            f"(got {mimetype or 'no Content-Type'})")
    return mimetype, _read(req, environ)


def _read(req: Request, environ: dict[str, Any]) -> bytes:
    cap = req.max_content_length
    length = environ.get("CONTENT_LENGTH", "")
    if length.isdecimal() and cap is not None and int(length) <= cap:
        raw = _read_exactly(environ["wsgi.input"], int(length))  # the usual body: no stream wrapper
    elif length or "wsgi.input_terminated" not in environ or cap is None:
        raw = req.get_data(cache=False, parse_form_data=False)  # over the cap by Content-Length: 413
    else:
        # A chunked body has no length to check first: read one byte past the cap to know.
        raw = environ["wsgi.input"].read(cap + 1)
        if len(raw) > cap:
            raise BodyTooLarge(too_large(cap))
    coding = environ.get("HTTP_CONTENT_ENCODING", "").strip().lower()
    if coding in ("", "identity"):
        return raw
    if coding not in ("gzip", "x-gzip"):
        raise UnsupportedMediaType(f"send the body uncoded or with Content-Encoding: gzip (got {coding})",
                                   headers={"Accept-Encoding": "gzip"})
    return _gunzip(raw, cap)


def _read_exactly(stream: Any, n: int) -> bytes:
    """Read the n bytes Content-Length promised; fewer (the client went away, or its connection
    broke) is a 400 that names what arrived, never half a body judged as whole."""
    parts: list[bytes] = []
    got = 0
    while got < n:
        try:
            part = stream.read(n - got)
        except (OSError, ValueError):  # reset or timed out mid-body, as werkzeug's stream treats it
            part = b""
        if not part:
            raise Problem(f"the body ended after {got:,} of the {n:,} bytes its Content-Length promised")
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def _gunzip(raw: bytes, cap: int | None) -> bytes:
    """Decompress a gzip body, refusing one that would grow past the cap (a zip bomb) with 413."""
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        body = inflate.decompress(raw, (cap or 0) + 1) if cap else inflate.decompress(raw)
    except zlib.error as exc:
        raise MalformedJSON(f"the body is not valid gzip: {exc}") from None
    if cap and len(body) > cap:
        raise BodyTooLarge(too_large(cap) + " once decompressed")
    if not inflate.eof:
        raise MalformedJSON("the gzip body is truncated")
    return body


def registry() -> Registry:
    return current_app.extensions["roastnet.registry"]


def chosen_model() -> StoredModel:
    """Return the model named by ?model= (id or name), else the active one."""
    ref = query_value(MODEL.name)
    if ref == "":
        raise ValidationProblem("model must be a model id or name; leave it out for the active model")
    return find_model(ref)


def find_model(ref: str | None) -> StoredModel:
    """Return the model with id or name ``ref`` (the active one for None) or raise a problem."""
    return registry().get(ref) if ref else registry().active()  # errors.init_app words failures

"""HTTP caching: a strong ETag on every GET answer, 304 for If-None-Match, and how long to keep it.

Models are content-addressed, so an answer asked with ``?model=<id>``, or with the id in its path
(``/v1/models/<id>/trajectory``), that names that model in X-Model-Id never changes: it is
marked immutable for a year. Answers for the active model or a name revalidate (``no-cache``):
another model may be activated, or a name given to other weights. Everything else never caches.
"""

from __future__ import annotations

import hashlib

from flask import Flask, Response

from service.contract import query_value
from service.http import current_request

IMMUTABLE = "public, max-age=31536000, immutable"


def init_app(app: Flask) -> None:
    app.after_request(_cache_headers)


def _cache_headers(response: Response) -> Response:
    headers = response.headers
    if headers.getlist("Cache-Control"):  # not `in`, which raises and catches a KeyError when absent
        return response  # the view decided (GET /metrics: never)
    req = current_request()
    if req.method not in ("GET", "HEAD") or response.status_code != 200 or response.is_streamed:
        headers.add("Cache-Control", "no-store")  # add, not set: absent, as just seen
        return response
    pinned = query_value("model") or (req.view_args or {}).get("ref")
    immutable = pinned is not None and pinned == headers.get("X-Model-Id")
    headers.add("Cache-Control", IMMUTABLE if immutable else "no-cache")
    response.set_etag(hashlib.blake2b(response.get_data(), digest_size=16).hexdigest())
    response.make_conditional(req)  # in place (it returns self, typed as werkzeug's Response)
    return response

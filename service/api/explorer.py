"""The roast explorer: GET / and /explorer (the page), GET /static/{name} (its CSS and ES modules).

The files are read once at start and answered like any other GET: a strong ETag, 304, no-cache
and compression above 1 KiB all come from the same after_request hooks as the API's answers.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response

from service.contract import Param, operation
from service.errors import NotFound

STATIC = Path(__file__).resolve().parent.parent / "static"
TYPES = {".css": "text/css", ".js": "text/javascript", ".html": "text/html"}
# Only what the page can load: no inline code, nothing from another origin.
POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
          "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'")

bp = Blueprint("explorer", __name__)


def _files() -> dict[str, tuple[bytes, str]]:
    return {p.name: (p.read_bytes(), TYPES[p.suffix]) for p in sorted(STATIC.iterdir())
            if p.is_file() and p.suffix in TYPES and p.name != "explorer.html"}


FILES = _files()
PAGE = (STATIC / "explorer.html").read_bytes()
NAME = Param("name", "path", "file name", {"type": "string", "enum": sorted(FILES)})


# Registered as /explorer after /, so openapi.yaml lists / first.
@bp.get("/explorer")
@bp.get("/")
@operation("The roast explorer page",
           "The roast explorer (HTML; its CSS and ES modules come from /static/): the decision map "
           "with the training readings and each unit's boundary, one activation map per unit, "
           "explanations of a clicked or typed reading, the models and their loss curves, and a "
           "seeds lab that retrains. It calls only this server's API and loads nothing from "
           "elsewhere (Content-Security-Policy).",
           (200, "html"), sends={200: ("Content-Security-Policy",)})
def page() -> Response:
    """Serve the explorer page."""
    response = Response(PAGE, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = POLICY
    return response


@bp.get("/static/<name>")
@operation("A stylesheet or ES module of the explorer page",
           "A stylesheet (text/css) or ES module (text/javascript) of the explorer page.",
           (200, "static"), problems=(404,), params=(NAME,))
def static(name: str) -> Response:
    """Serve one of the page's stylesheets or ES modules."""
    found = FILES.get(name)
    if found is None:
        raise NotFound(f"no static file {name!r}; the explorer page (GET /) names the ones it loads")
    body, mimetype = found
    return Response(body, content_type=f"{mimetype}; charset=utf-8")

"""What openapi.yaml says of every operation alike: the tags, and the headers of each answer.

service/spec.py builds the document from the contracts the views declare (service/contract.py), and
asks this module for an operation's tag and the headers of each of its answers.
"""

from __future__ import annotations

from typing import Any

from service.contract import Contract

TAGS = [
    {"name": "service", "description": "Liveness, readiness, this contract and the metrics"},
    {"name": "roasts", "description": "Verdicts and explanations of readings; unit roles, maps, the data"},
    {"name": "models",
     "description": "The registry: list, read, import, activate, delete; retrain jobs (admin)"},
    {"name": "explorer", "description": "The roast explorer: a page that shows what each unit learned"},
]

HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {"description": (
        "This request's id: the X-Request-ID the client sent when it is a plain token (letters, "
        "digits and ._:-, at most 128 characters), else a new one. Problem bodies name it in "
        "`instance`."), "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"}},
    "X-Model-Id": {"description": "Id of the model that answered.", "schema": {"type": "string"}},
    "ETag": {"description": (
        "Strong validator of this representation (each Content-Encoding has its own); send it "
        "in If-None-Match to get 304 while it holds."), "schema": {"type": "string"}},
    "Cache-Control": {"description": (
        "`public, max-age=31536000, immutable` when ?model= (or the path of a trajectory) names a "
        "model by id (models are content-addressed); `no-cache` otherwise: revalidate with the "
        "ETag."),
        "schema": {"type": "string"}},
    "Location": {"description": "The new model: /v1/models/{id}.", "schema": {"type": "string"}},
    "WWW-Authenticate": {"description": "`Bearer realm=\"roastnet admin\"`.", "schema": {"type": "string"}},
    "Allow": {"description": "The methods this path answers.", "schema": {"type": "string"}},
    "Content-Security-Policy": {"description": (
        "The page loads scripts, styles and data from this server only, and runs no inline code."),
        "schema": {"type": "string"}},
}


def components() -> dict[str, Any]:
    """Return components.headers; each is referenced only where it is always sent."""
    return {name: {**h, "required": True} for name, h in HEADERS.items()}


def tag(path: str) -> str:
    if path in ("/", "/explorer") or path.startswith("/static/"):
        return "explorer"
    if path.startswith(("/v1/models", "/v1/jobs")) or path == "/v1/retrain":
        return "models"
    return "roasts" if path.startswith("/v1/") else "service"


def response_headers(method: str, contract: Contract, status: int) -> dict[str, Any]:
    """Return the headers an answer with this status carries."""
    names = ["X-Request-ID"]
    cached = method == "get" and contract.cached
    if status in ((200, 304) if cached else ()):
        names += ["ETag", "Cache-Control"]
    names += contract.sends.get(status, ())
    if status == 401:
        names.append("WWW-Authenticate")
    if status == 405:
        names.append("Allow")
    found = {name: {"$ref": f"#/components/headers/{name}"} for name in names}
    return {**found, **contract.headers.get(status, {})}

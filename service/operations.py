"""What openapi.yaml says of each operation besides its shapes: tag, description, response headers.

service/spec.py builds the document from the schemas and its route table, and asks this module for
the words and headers of each operation.
"""

from __future__ import annotations

from typing import Any

TAGS = [
    {"name": "service", "description": "Liveness, readiness, this contract and the metrics"},
    {"name": "roasts", "description": "Verdicts and explanations of readings; unit roles, maps, the data"},
    {"name": "models",
     "description": "The registry: list, read, import, activate, delete; retrain jobs (admin)"},
    {"name": "explorer", "description": "The roast explorer: a page that shows what each unit learned"},
]

PAGE_TEXT = (
    "The roast explorer (HTML; its CSS and ES modules come from /static/): the decision map with "
    "the training readings and each unit's boundary, one activation map per unit, explanations of "
    "a clicked or typed reading, the models and their loss curves, and a seeds lab that retrains. "
    "It calls only this server's API and loads nothing from elsewhere (Content-Security-Policy).")
DESCRIPTIONS = {
    ("get", "/"): PAGE_TEXT,
    ("get", "/explorer"): PAGE_TEXT,
    ("get", "/static/{name}"): "A stylesheet (text/css) or ES module (text/javascript) of the explorer page.",
    ("get", "/healthz"): "Answers 200 while the process can serve at all.",
    ("get", "/readyz"): "Answers 200 when the registry is reachable and the active model loads, else 503.",
    ("get", "/openapi.yaml"): "This document.",
    ("get", "/metrics"): (
        "Prometheus text, summed over every worker: requests by route, method and status, their "
        "latency, readings answered by verdict and model, responsible units by region, the registry's "
        "size, the active model and the process figures of each worker. Absent (404) when the "
        "server runs with ROASTNET_METRICS=false."),
    ("post", "/v1/predict"): (
        "One reading, or {\"readings\": [...]} with up to the server's limit (10,000 by default). "
        "Each answer says good or bad, the units that fired and why, in roast words. The body may "
        "be sent gzip-coded (Content-Encoding: gzip)."),
    ("post", "/v1/explain"): (
        "The same input as /v1/predict (up to 1,000 readings by default); each answer adds every "
        "unit's state, exact Shapley values and the changes that would flip the verdict."),
    ("get", "/v1/neurons"): "What each hidden unit of the model does, in roast words.",
    ("get", "/v1/maps"): "Output probability and each unit's activation over a temperature × duration grid.",
    ("get", "/v1/dataset"): "The course lab's training readings, their labels and the normalisation.",
    ("get", "/v1/models"): "Stored models, newest first, each marked usable or not.",
    ("post", "/v1/models"): (
        "Stores explicit weights as a model; 201 with Location for a new one, 200 when the same "
        "weights are already stored."),
    ("get", "/v1/models/active"): "The model that answers requests without ?model=, in full.",
    ("put", "/v1/models/active"): "Makes a model the one every worker answers with from its next request.",
    ("get", "/v1/models/{ref}"): "One model: recipe, metrics, unit roles, symmetry report and loss curve.",
    ("delete", "/v1/models/{ref}"): "Deletes a model that is not the active one.",
    ("get", "/v1/models/{ref}/trajectory"): (
        "How the model's hidden units moved while it trained: about 60 snapshots at log-spaced "
        "steps, each with the units' weights, the loss, each unit's region, agreement and gradient "
        "norm, and the distance between every two units; the step at which the closest two "
        "separated and the one from which no unit changed region. The last snapshot holds the "
        "model's weights. 404 for a model without one (imported, or stored before trajectories "
        "were recorded). Immutable when asked by id."),
    ("post", "/v1/retrain"): (
        "Queues a job that trains one model per seed and compares how their units divide the "
        "bad-roast regions: 202 with Location /v1/jobs/{id}; with Prefer: wait=N (N up to 30 s), "
        "201 with the finished job inline when it ends in time."),
    ("get", "/v1/jobs"): "Retrain jobs, newest first; ?status= keeps one state.",
    ("get", "/v1/jobs/{job_id}"): (
        "One job: its status, progress while it runs, and its result or the problem that ended it."),
    ("delete", "/v1/jobs/{job_id}"): "Cancels a queued or running job; its models are not stored.",
}

# Answers that name the model that made them in X-Model-Id.
MODEL_ANSWERS = {"/v1/predict", "/v1/explain", "/v1/neurons", "/v1/maps", "/v1/models/{ref}/trajectory"}

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
PAGES = {"/", "/explorer"}


def components() -> dict[str, Any]:
    """Return components.headers; each is referenced only where it is always sent."""
    return {name: {**h, "required": True} for name, h in HEADERS.items()}


def tag(path: str) -> str:
    if path in PAGES or path.startswith("/static/"):
        return "explorer"
    if path.startswith(("/v1/models", "/v1/jobs")) or path == "/v1/retrain":
        return "models"
    return "roasts" if path.startswith("/v1/") else "service"


def response_headers(method: str, path: str, status: int) -> dict[str, Any]:
    """Return the headers an answer with this status carries."""
    names = ["X-Request-ID"]
    cached = method == "get" and path != "/metrics"
    if status == 200 and cached:
        names += ["ETag", "Cache-Control"]
    if status == 200 and path in PAGES:
        names.append("Content-Security-Policy")
    if status == 200 and path in MODEL_ANSWERS:
        names.append("X-Model-Id")
    if status == 304:
        names += ["ETag", "Cache-Control"]
    if status == 201 and path == "/v1/models":
        names.append("Location")
    if status == 401:
        names.append("WWW-Authenticate")
    if status == 405:
        names.append("Allow")
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}

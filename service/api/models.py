"""The registry over HTTP: list, read, import, activate, delete (retraining is a job: api/jobs.py)."""

from __future__ import annotations

from flask import Blueprint, Response

from service import present
from service.answers import ModelList
from service.auth import admin_required
from service.errors import NotFound
from service.http import body_bytes, find_model, int_arg, json_response, parse, registry
from service.schemas import MAX_MODELS_PAGE, MODELS_PAGE, ActivateRequest, ImportRequest
from service.training import import_weights

bp = Blueprint("models", __name__, url_prefix="/v1")


@bp.get("/models")
def list_models() -> Response:
    """List stored models, newest first."""
    limit = int_arg("limit", MODELS_PAGE, 1, MAX_MODELS_PAGE)
    offset = int_arg("offset", 0, 0, 10**9)
    models, total = registry().summaries(limit, offset)
    reply: ModelList = {"models": models, "total": total, "limit": limit, "offset": offset}
    return json_response(reply)


@bp.get("/models/active")
def active_model() -> Response:
    """Return the model that answers requests without ?model=."""
    model = find_model(None)
    return json_response(present.model_detail(model, model.id))


@bp.get("/models/<model_ref:ref>")
def get_model(ref: str) -> Response:
    """Return one model with its recipe, metrics, roles, symmetry and loss curve."""
    model = find_model(ref)
    return json_response(present.model_detail(model, registry().active_id))


@bp.get("/models/<model_ref:ref>/trajectory")
def trajectory(ref: str) -> Response:
    """Return the model's training snapshots: weights, loss, gradients, regions, distances."""
    model = find_model(ref)
    traced = registry().trajectory(model)
    if traced is None:
        raise NotFound(f"model {model.id} has no trajectory: only models trained since trajectories "
                       "were recorded have one (imported weights never do)")
    return json_response(present.trajectory(model.id, traced), model_id=model.id)


@bp.post("/models")
@admin_required
def import_model() -> Response:
    """Import explicit weights as a new model."""
    model, created = import_weights(registry(), parse(ImportRequest, body_bytes()))
    response = json_response(present.model_detail(model, registry().active_id), 201 if created else 200)
    if created:
        response.headers["Location"] = f"/v1/models/{model.id}"
    return response


@bp.put("/models/active")
@admin_required
def activate() -> Response:
    """Make a model the one every worker answers with."""
    model = find_model(parse(ActivateRequest, body_bytes()).id)
    registry().activate(model.id)
    return json_response(present.model_detail(model, model.id))


@bp.delete("/models/<model_ref:ref>")
@admin_required
def delete(ref: str) -> Response:
    """Delete a model that is not active."""
    registry().delete(ref)  # unknown: 404; active: 409 (errors.init_app)
    return Response(status=204)


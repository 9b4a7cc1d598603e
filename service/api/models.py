"""The registry over HTTP: list, read, import, activate, delete (retraining is a job: api/jobs.py)."""

from __future__ import annotations

from flask import Blueprint, Response
from werkzeug.routing import BaseConverter

from service import answers as a
from service import present
from service import schemas as s
from service.answers import ModelList
from service.contract import BODY_PROBLEMS, READ_PROBLEMS, Link, operation
from service.errors import NotFound
from service.http import body_bytes, find_model, json_response, parse, registry
from service.params import LIMIT, OFFSET, REF
from service.training import import_weights

bp = Blueprint("models", __name__, url_prefix="/v1")
GET_MODEL = ("get", "/v1/models/{ref}")


class ModelRef(BaseConverter):
    """A model id or name in a path; "active" is not one (GET and PUT /v1/models/active are routes)."""

    regex = r"(?!active(?:/|$))[^/]+"


@bp.get("/models")
@operation("Stored models, newest first", "Stored models, newest first, each marked usable or not.",
           (200, a.ModelList), problems=(422,), params=(LIMIT, OFFSET))
def list_models() -> Response:
    """List stored models, newest first."""
    limit, offset = LIMIT.read(), OFFSET.read()
    models, total = registry().summaries(limit, offset)
    reply: ModelList = {"models": models, "total": total, "limit": limit, "offset": offset}
    return json_response(reply)


@bp.post("/models")
@operation("Import explicit weights (201 new, 200 already stored)",
           "Stores explicit weights as a model; 201 with Location for a new one, 200 when the same "
           "weights are already stored.",
           (201, a.ModelDetail), body=s.ImportRequest, problems=BODY_PROBLEMS + (409,), admin=True,
           also_ok=(200, "Already stored"), sends={201: ("Location",)},
           links={code: {"GetModel": Link(*GET_MODEL, "ref", "/id", "the imported model"),
                         "DeleteModel": Link("delete", "/v1/models/{ref}", "ref", "/id", "delete it")}
                  for code in (200, 201)})
def import_model() -> Response:
    """Import explicit weights as a new model."""
    model, created = import_weights(registry(), parse(s.ImportRequest, body_bytes()))
    response = json_response(present.model_detail(model, registry().active_id), 201 if created else 200)
    if created:
        response.headers["Location"] = f"/v1/models/{model.id}"
    return response


@bp.put("/models/active")
@operation("Make a model active",
           "Makes a model the one every worker answers with from its next request.",
           (200, a.ModelDetail), body=s.ActivateRequest, problems=BODY_PROBLEMS + READ_PROBLEMS,
           admin=True, links={200: {"GetModel": Link(*GET_MODEL, "ref", "/id", "the active model")}})
def activate() -> Response:
    """Make a model the one every worker answers with."""
    model = find_model(parse(s.ActivateRequest, body_bytes()).id)
    registry().activate(model.id)
    return json_response(present.model_detail(model, model.id))


@bp.get("/models/active")
@operation("The active model in full", "The model that answers requests without ?model=, in full.",
           (200, a.ModelDetail), problems=(404, 409))
def active_model() -> Response:
    """Return the model that answers requests without ?model=."""
    model = find_model(None)
    return json_response(present.model_detail(model, model.id))


@bp.get("/models/<model_ref:ref>")
@operation("One model in full",
           "One model: recipe, metrics, unit roles, symmetry report and loss curve.",
           (200, a.ModelDetail), problems=(404, 409), params=(REF,))
def get_model(ref: str) -> Response:
    """Return one model with its recipe, metrics, roles, symmetry and loss curve."""
    model = find_model(ref)
    return json_response(present.model_detail(model, registry().active_id))


@bp.delete("/models/<model_ref:ref>")
@operation("Delete a model that is not active", "Deletes a model that is not the active one.",
           (204, None), problems=(404, 409), params=(REF,), admin=True)
def delete(ref: str) -> Response:
    """Delete a model that is not active."""
    registry().delete(ref)  # unknown: 404; active: 409 (errors.init_app)
    return Response(status=204)


@bp.get("/models/<model_ref:ref>/trajectory")
@operation("How the model's units moved while it trained",
           "How the model's hidden units moved while it trained: about 60 snapshots at log-spaced "
           "steps, each with the units' weights, the loss, each unit's region, agreement and "
           "gradient norm, and the distance between every two units; the step at which the closest "
           "two separated and the one from which no unit changed region. The last snapshot holds "
           "the model's weights. 404 for a model without one (imported, or stored before "
           "trajectories were recorded). Immutable when asked by id.",
           (200, a.TrajectoryResponse), problems=(404, 409), params=(REF,),
           sends={200: ("X-Model-Id",)})
def trajectory(ref: str) -> Response:
    """Return the model's training snapshots: weights, loss, gradients, regions, distances."""
    model = find_model(ref)
    traced = registry().trajectory(model)
    if traced is None:
        raise NotFound(f"model {model.id} has no trajectory: only models trained since trajectories "
                       "were recorded have one (imported weights never do)")
    return json_response(present.trajectory(model.id, traced), model_id=model.id)

"""Predictions and explanations: POST /v1/predict, /v1/explain; GET /v1/neurons, /v1/maps."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from flask import Blueprint, Response, current_app, g, request

from service import columns, present, readings
from service.answers import ExplainResponse, MapsResponse, NeuronsResponse
from service.errors import ValidationProblem
from service.http import body, body_bytes, choice_arg, chosen_model, int_arg, json_response
from service.schemas import ExplainBatchRequest
from service.stored import StoredModel

bp = Blueprint("predictions", __name__, url_prefix="/v1")


def answer(model: StoredModel, body: Mapping[str, object]) -> Response:
    """Return the body (the model's id first), and the id in X-Model-Id for caches and logs."""
    return json_response(body, model_id=model.id)


@bp.post("/predict")
def predict() -> Response:
    """Say good or bad for each reading, which units are responsible and why."""
    as_csv = columns.wants_csv()
    fields = columns.requested(columns.CSV_FIELDS if as_csv else columns.FIELDS)
    kind, raw = body((columns.CSV_TYPE,))
    limit = current_app.config["ROASTNET"].max_predict_readings
    threshold = _threshold_arg()
    if kind == columns.CSV_TYPE:
        r = readings.from_csv(raw, limit, threshold)
    else:
        r = readings.from_json(raw, limit, threshold=threshold)
    model = chosen_model()
    result = columns.answer(model, r, fields)
    g.tally = result.tally
    if as_csv:
        response = Response(result.csv(), content_type="text/csv; charset=utf-8")
        response.headers["X-Model-Id"] = model.id
        return response
    return answer(model, result.json_body(model.id))


def _threshold_arg() -> float:
    raw = request.args.get("threshold")
    if raw is None:
        return 0.5
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0 < value < 1:  # NaN fails too
        raise ValidationProblem(f"threshold must be a number between 0 and 1 (exclusive), got {raw!r}")
    return value


@bp.post("/explain")
def explain() -> Response:
    """Explain each reading in full: units, Shapley values and counterfactuals."""
    baseline = choice_arg("baseline", ("data", "mean"), "data")
    r = readings.from_json(body_bytes(), current_app.config["ROASTNET"].max_explain_readings,
                           ExplainBatchRequest)
    model = chosen_model()
    explained = [model.explainer.explain(t, d, r.threshold, baseline, unit)
                 for t, d, unit in zip(r.celsius.tolist(), r.durations.tolist(), r.units, strict=True)]
    answers = [present.explanation(e, sent) for e, sent in zip(explained, r.sent, strict=True)]
    g.tally = present.Tally(model.id, np.array([e.verdicts.good_roast[0] for e in explained]),
                            np.vstack([e.verdicts.state for e in explained]),
                            [role.region for role in model.roles])
    reply: ExplainResponse = {"model_id": model.id, "predictions": answers}
    return answer(model, reply)


@bp.get("/neurons")
def neurons() -> Response:
    """Describe what each hidden unit does."""
    model = chosen_model()
    reply: NeuronsResponse = {"model_id": model.id, "neurons": [present.role(r) for r in model.roles]}
    return answer(model, reply)


@bp.get("/maps")
def maps() -> Response:
    """Return output and unit activation grids over temperature × duration for heat maps."""
    resolution = int_arg("resolution", 50, 2, 200)
    model = chosen_model()
    t, d, p, hidden = model.explainer.maps(resolution)
    reply: MapsResponse = {"model_id": model.id, "temperature": t.tolist(), "duration": d.tolist(),
                           "probability": p.tolist(), "neurons": hidden.tolist()}
    return answer(model, reply)

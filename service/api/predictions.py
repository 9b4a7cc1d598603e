"""Predictions and explanations: POST /v1/predict, /v1/explain; GET /v1/neurons, /v1/maps, /v1/dataset."""

from __future__ import annotations

import numpy as np
from flask import Blueprint, Response, current_app

from model.data import load_coffee_data, normalization
from service import present
from service.errors import ValidationProblem
from service.http import body_bytes, chosen_model, int_arg, json_response, parse
from service.schemas import (
    TEMPERATURE_RULE,
    BatchRequest,
    ExplainBatchRequest,
    SingleRequest,
    implausible,
)
from service.stored import StoredModel

bp = Blueprint("predictions", __name__, url_prefix="/v1")
BATCH_PATH_FROM = 8  # below this many readings the plain-Python path is faster than numpy


def readings(raw: bytes, limit: int, batch_schema: type[BatchRequest] = BatchRequest):
    """Parse one reading or {"readings": [...]} into (°C, minutes) pairs and a threshold."""
    if b'"readings"' in raw:
        batch = parse(batch_schema, raw)
        if len(batch.readings) > limit:
            raise ValidationProblem(
                f"readings: at most {limit} readings per request on this route, got {len(batch.readings)}")
        pairs = [(r.celsius, r.duration) for r in batch.readings]
        threshold, where = batch.threshold, "readings[{}]."
    else:
        one = parse(SingleRequest, raw)
        pairs, threshold, where = [(one.celsius, one.duration)], one.threshold, ""
    bad = implausible([t for t, _ in pairs])
    if bad is not None:
        field = where.format(bad) + "temperature"
        raise ValidationProblem(f"{field}: {TEMPERATURE_RULE}",
                                errors=[{"field": field, "message": TEMPERATURE_RULE}])
    return pairs, threshold


def answer(model: StoredModel, body: dict) -> Response:
    """Return body with the model's id first, and the id in X-Model-Id for caches and logs."""
    return json_response({"model_id": model.id, **body}, model_id=model.id)


@bp.post("/predict")
def predict() -> Response:
    """Say good or bad for each reading, which units fired and why."""
    pairs, threshold = readings(body_bytes(), current_app.config["ROASTNET"].max_predict_readings)
    model = chosen_model()
    explainer = model.explainer
    if len(pairs) < BATCH_PATH_FROM:
        answers = [present.prediction(explainer.predict(t, d, threshold)) for t, d in pairs]
    else:
        t, d = np.array(pairs).T
        answers = present.batch_predictions(explainer.predict_many(t, d, threshold))
    return answer(model, {"predictions": answers})


@bp.post("/explain")
def explain() -> Response:
    """Explain each reading in full: units, Shapley values and counterfactuals."""
    pairs, threshold = readings(body_bytes(), current_app.config["ROASTNET"].max_explain_readings,
                                ExplainBatchRequest)
    model = chosen_model()
    answers = [present.explanation(model.explainer.explain(t, d, threshold)) for t, d in pairs]
    return answer(model, {"predictions": answers})


@bp.get("/neurons")
def neurons() -> Response:
    """Describe what each hidden unit does."""
    model = chosen_model()
    return answer(model, {"neurons": [present.role(r) for r in model.roles]})


@bp.get("/maps")
def maps() -> Response:
    """Return output and unit activation grids over temperature × duration for heat maps."""
    resolution = int_arg("resolution", 50, 2, 200)
    model = chosen_model()
    t, d, p, hidden = model.explainer.maps(resolution)
    return answer(model, {"temperature": t.tolist(), "duration": d.tolist(),
                          "probability": p.tolist(), "neurons": hidden.tolist()})


@bp.get("/dataset")
def dataset() -> Response:
    """Return the lab's training data, labels and normalisation."""
    data_seed = int_arg("data_seed", 2, 0, 2**32 - 1)
    X, Y = load_coffee_data(data_seed)
    mean, std = normalization(X)
    samples = [{"temperature": t, "duration": d, "good_roast": bool(y)}
               for (t, d), y in zip(X.tolist(), Y[:, 0].tolist(), strict=True)]
    return json_response({
        "data_seed": data_seed,
        "samples": samples,
        "normalization": {"mean": {"temperature": float(mean[0]), "duration": float(mean[1])},
                          "std": {"temperature": float(std[0]), "duration": float(std[1])}},
    })

"""Predictions and explanations: POST /v1/predict, /v1/explain; GET /v1/neurons, /v1/maps, /v1/dataset."""

from __future__ import annotations

from typing import NamedTuple

from flask import Blueprint, Response, current_app

from model.data import load_coffee_data, normalization
from service import present
from service.errors import ValidationProblem
from service.http import body_bytes, choice_arg, chosen_model, int_arg, json_response, parse
from service.schemas import BatchRequest, ExplainBatchRequest, SingleRequest
from service.stored import StoredModel
from service.validation import check_temperatures

bp = Blueprint("predictions", __name__, url_prefix="/v1")


class Readings(NamedTuple):
    celsius: list[float]
    durations: list[float]
    sent: list[float]  # the temperatures as the client sent them
    units: list[str]
    threshold: float


def readings(raw: bytes, limit: int, batch_schema: type[BatchRequest] = BatchRequest) -> Readings:
    """Parse one reading or {"readings": [...]}, with each temperature in °C and as sent."""
    if b'"readings"' in raw:
        batch = parse(batch_schema, raw)
        if len(batch.readings) > limit:
            raise ValidationProblem(
                f"readings: at most {limit} readings per request on this route, got {len(batch.readings)}")
        items, threshold, where = batch.readings, batch.threshold, "readings[{}]."
    else:
        one = parse(SingleRequest, raw)
        items, threshold, where = [one], one.threshold, ""
    celsius = [r.celsius for r in items]
    check_temperatures(celsius, where)
    return Readings(celsius, [r.duration for r in items], [r.temperature for r in items],
                    [r.temperature_unit for r in items], threshold)


def answer(model: StoredModel, body: dict) -> Response:
    """Return body with the model's id first, and the id in X-Model-Id for caches and logs."""
    return json_response({"model_id": model.id, **body}, model_id=model.id)


@bp.post("/predict")
def predict() -> Response:
    """Say good or bad for each reading, which units are responsible and why."""
    r = readings(body_bytes(), current_app.config["ROASTNET"].max_predict_readings)
    model = chosen_model()
    verdicts = model.explainer.predict_many(r.celsius, r.durations, r.threshold, r.units)
    return answer(model, {"predictions": present.predictions(verdicts, r.sent)})


@bp.post("/explain")
def explain() -> Response:
    """Explain each reading in full: units, Shapley values and counterfactuals."""
    baseline = choice_arg("baseline", ("data", "mean"), "data")
    r = readings(body_bytes(), current_app.config["ROASTNET"].max_explain_readings,
                 ExplainBatchRequest)
    model = chosen_model()
    answers = [present.explanation(model.explainer.explain(t, d, r.threshold, baseline, unit), sent)
               for t, d, sent, unit in zip(r.celsius, r.durations, r.sent, r.units, strict=True)]
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

"""Predictions and explanations: POST /v1/predict, /v1/explain; GET /v1/neurons, /v1/maps."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from flask import Blueprint, Response, current_app, g

from service import answers as a
from service import collector, columns, present, readings
from service import schemas as s
from service.answers import ExplainResponse, MapsResponse, NeuronsResponse
from service.contract import BODY_PROBLEMS, READ_PROBLEMS, operation
from service.http import body, body_bytes, chosen_model, json_response
from service.params import BASELINE, FIELDS_ASKED, LAYOUT, MODEL, RESOLUTION, THRESHOLD
from service.stored import StoredModel

bp = Blueprint("predictions", __name__, url_prefix="/v1")
MODEL_ANSWER = {200: ("X-Model-Id",)}  # the answer names the model that made it
CSV_BODY = {"schema": {"type": "string", "pattern": "^\ufeff?temperature,duration(,temperature_unit)?\r?\n",
                       "description": "a header row, then one reading per line, e.g. "
                                      "temperature,duration⏎200,13.9⏎160,13.5⏎"}}
CSV_ANSWER = {"schema": {"type": "string",
                         "description": "one row per reading after a header row, a column per field; unit "
                             "lists as neuron numbers joined by ';', hidden as numbers joined by "
                             "';', and after fired a reasons column joining their reasons with ' | '"}}


def answer(model: StoredModel, body: Mapping[str, object]) -> Response:
    """Return the body (the model's id first), and the id in X-Model-Id for caches and logs."""
    return json_response(body, model_id=model.id)


@bp.post("/predict")
@operation("Good or bad roast, fired units and reasons",
           "One reading, or {\"readings\": [...]} with up to the server's limit "
           f"({s.MAX_BATCH:,} by default). Each answer says good or bad, the units that fired and "
           "why, in roast words. The body may be sent gzip-coded (Content-Encoding: gzip).",
           (200, a.PredictAnswer), body=(s.SingleRequest, s.BatchRequest),
           problems=BODY_PROBLEMS + READ_PROBLEMS, params=(MODEL, FIELDS_ASKED, LAYOUT, THRESHOLD),
           media=({columns.CSV_TYPE: CSV_BODY}, {columns.CSV_TYPE: CSV_ANSWER}), sends=MODEL_ANSWER)
def predict() -> Response:
    """Say good or bad for each reading, which units are responsible and why."""
    as_csv = columns.wants_csv()
    fields = columns.requested(columns.CSV_FIELDS if as_csv else columns.FIELDS)
    layout = LAYOUT.read()
    kind, raw = body((columns.CSV_TYPE,))
    limit = current_app.config["ROASTNET"].max_predict_readings
    threshold = THRESHOLD.read()
    if kind == columns.CSV_TYPE:
        r = readings.from_csv(raw, limit, threshold)
    else:
        r = readings.from_json(raw, limit, threshold=threshold)
    model = chosen_model()
    if len(r.sent) < collector.LARGE:
        return _written(model, columns.answer(model, r, fields), layout, as_csv)
    with collector.paused():
        result = columns.answer(model, r, fields)
        return collector.freed_after_sending(_written(model, result, layout, as_csv), result)


def _written(model: StoredModel, result: columns.Answer, layout: str, as_csv: bool) -> Response:
    g.tally = result.tally
    if as_csv:
        response = Response(result.csv(), content_type="text/csv; charset=utf-8")
        response.headers.add("X-Model-Id", model.id)
        return response
    return answer(model, result.json_body(model.id, layout))


@bp.post("/explain")
@operation("Full explanation: units, Shapley values, counterfactuals",
           f"The same input as /v1/predict (up to {s.MAX_EXPLAIN_BATCH:,} readings by default); each "
           "answer adds every unit's state, exact Shapley values and the changes that would flip "
           "the verdict.",
           (200, a.ExplainResponse), body=(s.SingleRequest, s.ExplainBatchRequest),
           problems=BODY_PROBLEMS + READ_PROBLEMS, params=(MODEL, BASELINE), sends=MODEL_ANSWER)
def explain() -> Response:
    """Explain each reading in full: units, Shapley values and counterfactuals."""
    baseline = BASELINE.read()
    r = readings.from_json(body_bytes(), current_app.config["ROASTNET"].max_explain_readings,
                           s.ExplainBatchRequest)
    model = chosen_model()
    explained = [model.explainer.explain(t, d, r.threshold, baseline, unit)
                 for t, d, unit in zip(r.celsius.tolist(), r.durations.tolist(), r.units, strict=True)]
    answers = [present.explanation(e, sent) for e, sent in zip(explained, r.sent, strict=True)]
    verdicts = [e.verdicts for e in explained]  # one reading each
    g.tally = present.Tally(model.id, np.concatenate([v.good_roast for v in verdicts]),
                            np.concatenate([v.state for v in verdicts]),
                            [role.region for role in model.roles])
    reply: ExplainResponse = {"model_id": model.id, "predictions": answers}
    return answer(model, reply)


@bp.get("/neurons")
@operation("Roles of the hidden units", "What each hidden unit of the model does, in roast words.",
           (200, a.NeuronsResponse), problems=READ_PROBLEMS, params=(MODEL,), sends=MODEL_ANSWER)
def neurons() -> Response:
    """Describe what each hidden unit does."""
    model = chosen_model()
    reply: NeuronsResponse = {"model_id": model.id, "neurons": [present.role(r) for r in model.roles]}
    return answer(model, reply)


@bp.get("/maps")
@operation("Probability and activation grids for heat maps",
           "Output probability and each unit's activation over a temperature × duration grid.",
           (200, a.MapsResponse), problems=READ_PROBLEMS, params=(MODEL, RESOLUTION), sends=MODEL_ANSWER)
def maps() -> Response:
    """Return output and unit activation grids over temperature × duration for heat maps."""
    resolution = RESOLUTION.read()
    model = chosen_model()
    t, d, p, hidden = model.explainer.maps(resolution)
    reply: MapsResponse = {"model_id": model.id, "temperature": t.tolist(), "duration": d.tolist(),
                           "probability": p.tolist(), "neurons": hidden.tolist()}
    return answer(model, reply)

"""The lab's training data: GET /v1/dataset."""

from __future__ import annotations

from flask import Blueprint, Response

from model.data import load_coffee_data, normalization
from service import answers as a
from service.answers import DatasetResponse
from service.contract import operation
from service.http import json_response
from service.params import DATA_SEED

bp = Blueprint("dataset", __name__, url_prefix="/v1")


@bp.get("/dataset")
@operation("The training data, labels and normalisation",
           "The course lab's training readings, their labels and the normalisation.",
           (200, a.DatasetResponse), problems=(422,), params=(DATA_SEED,))
def dataset() -> Response:
    """Return the lab's training data, labels and normalisation."""
    data_seed = DATA_SEED.read()
    X, Y = load_coffee_data(data_seed)
    mean, std = normalization(X)
    reply: DatasetResponse = {
        "data_seed": data_seed,
        "samples": [{"temperature": t, "duration": d, "good_roast": bool(y)}
                    for (t, d), y in zip(X.tolist(), Y[:, 0].tolist(), strict=True)],
        "normalization": {"mean": {"temperature": float(mean[0]), "duration": float(mean[1])},
                          "std": {"temperature": float(std[0]), "duration": float(std[1])}},
    }
    return json_response(reply)

"""Any finite weights are safe to import; what is stored can be downloaded and imported back."""

import sqlite3
from types import SimpleNamespace

import numpy as np

from model.data import load_coffee_data, normalization
from tests import reference as ref
from tests.service.conftest import make_app

# The combined unit's duration weight is exactly 0: this once stored a model whose every read was a 500.
ZERO_DURATION = {"W1": [[-8.94, 0.29, 12.89], [-0.17, -7.34, 0]], "b1": [-9.87, -9.28, 1.01],
                 "W2": [[-31.38], [-27.86], [-32.79]], "b2": [15.54]}


def test_degenerate_weights_import_and_answer_every_read(fresh_client, auth):
    r = fresh_client.post("/v1/models", json={"name": "zero-dur", "weights": ZERO_DURATION}, headers=auth)
    assert r.status_code == 201, r.json
    model_id = r.json["id"]
    [listed] = [m for m in fresh_client.get("/v1/models").json["models"] if m["id"] == model_id]
    assert listed["usable"] is True
    for path in ("/v1/neurons", "/v1/maps?resolution=5", f"/v1/models/{model_id}"):
        sep = "&" if "?" in path else "?"
        assert fresh_client.get(f"{path}{sep}model=zero-dur").status_code == 200, path
    assert fresh_client.put("/v1/models/active", json={"id": model_id}, headers=auth).status_code == 200
    reading = {"temperature": 200, "duration": 13.9}
    for path in ("/v1/predict", "/v1/explain"):
        r = fresh_client.post(path, json=reading)
        assert r.status_code == 200 and r.json["model_id"] == model_id
    p = fresh_client.post("/v1/predict", json=reading).json["predictions"][0]["probability"]
    mean, std = normalization(load_coffee_data()[0])
    net = SimpleNamespace(**{k: np.array(v, dtype=float) for k, v in ZERO_DURATION.items()},
                          mean=mean, std=std)
    assert abs(p - ref.proba(net, 200, 13.9)) < 1e-12
    assert fresh_client.get("/readyz").status_code == 200


def test_a_model_downloads_in_the_import_format_and_imports_to_the_same_id(fresh_client, auth):
    r = fresh_client.post("/v1/models", json={"weights": ZERO_DURATION}, headers=auth)
    exported = fresh_client.get(f"/v1/models/{r.json['id']}").json
    assert exported["weights"] == ZERO_DURATION | {"W2": [[-31.38], [-27.86], [-32.79]]}
    again = fresh_client.post("/v1/models", json={"weights": exported["weights"],
                                                  "normalization": exported["normalization"]}, headers=auth)
    assert again.status_code == 200 and again.json["id"] == r.json["id"]
    lab = fresh_client.get("/v1/models/lab").json
    lab_again = fresh_client.post("/v1/models", json={"weights": lab["weights"],
                                                      "normalization": lab["normalization"]}, headers=auth)
    assert lab_again.status_code == 200 and lab_again.json["id"] == lab["id"]


def test_a_model_that_does_not_load_is_not_activated(tmp_path, auth):
    app = make_app(tmp_path / "data")
    client = app.test_client()
    lab_id = client.get("/v1/models/lab").json["id"]
    with sqlite3.connect(tmp_path / "data" / "registry.sqlite3") as db:
        db.execute("UPDATE models SET weights = ? WHERE name = 'lab'",
                   ('{"W1": [[1], [2]], "b1": [0], "W2": [[1]], "b2": [0], '
                    '"normalization": {"mean": [0, 0], "std": [1, 0]}}',))
    fresh = make_app(tmp_path / "data").test_client()
    r = fresh.put("/v1/models/active", json={"id": lab_id}, headers=auth)
    assert r.status_code == 409 and r.mimetype == "application/problem+json"
    assert fresh.get("/readyz").json["active_model"] != lab_id
    assert fresh.post("/v1/predict", json={"temperature": 200, "duration": 13.9}).status_code == 200

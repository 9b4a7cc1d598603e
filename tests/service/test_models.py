"""Retrain (as jobs), import, activate, delete through the Flask test client: limits, auth, nothing stored."""

import numpy as np
import pytest

from tests.service.conftest import retrained

LAB = {"W1": [[-8.94, 0.29, 12.89], [-0.17, -7.34, 10.79]], "b1": [-9.87, -9.28, 1.01],
       "W2": [[-31.38], [-27.86], [-32.79]], "b2": [15.54]}


def total(client):
    return client.get("/v1/models").json["total"]


def test_retrain_compares_seeds_and_reuses_recipes(fresh_client, auth):
    body = retrained(fresh_client, {"seeds": [0, 1, 4]}, auth)
    assert [m["seed"] for m in body["models"]] == [0, 1, 4]
    assert all(m["created"] for m in body["models"]) and len({m["id"] for m in body["models"]}) == 3
    rows = {row["seed"]: row for row in body["comparison"]["seeds"]}
    assert rows[0]["all_regions_covered"] and not rows[4]["all_regions_covered"]
    assert body["comparison"]["coverage_rate"] == pytest.approx(2 / 3)
    again = retrained(fresh_client, {"seeds": [1]}, auth)
    assert again["models"][0]["id"] == body["models"][1]["id"] and again["models"][0]["created"] is False
    assert total(fresh_client) == 5


def test_symmetric_start_stays_one_unit(fresh_client, auth):
    body = retrained(fresh_client, {"seeds": [0, 1], "init": "symmetric"}, auth)
    glorot = retrained(fresh_client, {"seeds": [0, 1]}, auth)
    for model, row in zip(body["models"], body["comparison"]["seeds"], strict=True):
        detail = fresh_client.get(f"/v1/models/{model['id']}").json
        assert detail["symmetry"]["duplicate_groups"] == [[0, 1, 2]]
        assert detail["symmetry"]["distinct_units"] == 1
        assert row["duplicates"] == [[0, 1, 2]] and not row["all_regions_covered"]
    for sym, ran in zip(body["models"], glorot["models"], strict=True):
        assert sym["metrics"]["grid_accuracy"] < ran["metrics"]["grid_accuracy"] - 0.05


def test_retrain_can_activate(fresh_client, auth):
    body = retrained(fresh_client, {"seeds": [7, 8], "activate": 8}, auth)
    assert body["activated"] == body["models"][1]["id"]
    assert fresh_client.get("/readyz").json["active_model"] == body["activated"]
    r = fresh_client.post("/v1/predict", json={"temperature": 200, "duration": 13.9})
    assert r.json["model_id"] == body["activated"]


LIMITS = [
    ({"seeds": []}, "seeds"),
    ({"seeds": list(range(65))}, "64"),
    ({"seeds": [1, 1]}, "distinct"),
    ({"seeds": [-1]}, "seeds[0]"),
    ({"seeds": [2**32]}, "4294967295"),
    ({"seeds": [1], "steps": 0}, "steps"),
    ({"seeds": [1], "steps": 20_001}, "20000"),
    ({"seeds": [1], "hidden_units": 0}, "hidden_units"),
    ({"seeds": [1], "hidden_units": 9}, "8"),
    ({"seeds": [1], "learning_rate": 0}, "learning_rate"),
    ({"seeds": [1], "learning_rate": 1.5}, "learning_rate"),
    ({"seeds": [1], "samples": 9}, "samples"),
    ({"seeds": [1], "samples": 100_001}, "100000"),
    ({"seeds": [1], "init": "zeros"}, "init"),
    ({"seeds": [1], "activate": 2}, "activate must be one of the seeds"),
    ({"seeds": [1], "colour": "red"}, "colour"),
    ({"seeds": "1"}, "seeds"),
    ({"seeds": list(range(64)), "samples": 100_000, "steps": 20_000}, "work budget"),
]


@pytest.mark.parametrize(("body", "words"), LIMITS, ids=[w for _, w in LIMITS])
def test_retrain_limits_are_422_and_store_nothing(fresh_client, auth, body, words):
    before = total(fresh_client)
    r = fresh_client.post("/v1/retrain", json=body, headers=auth)
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert words in r.json["detail"], r.json["detail"]
    assert total(fresh_client) == before


def test_the_work_budget_says_by_how_much(fresh_client, auth):
    body = {"seeds": list(range(64)), "samples": 10_000, "steps": 20_000, "hidden_units": 8}
    detail = fresh_client.post("/v1/retrain", json=body, headers=auth).json["detail"]
    work = 64 * 10_000 * 20_000 * 8
    assert f"{work:,}" in detail and f"by {work - 2_000_000_000:,}" in detail


def test_the_largest_accepted_retrain_fits_the_budget(fresh_app):
    from service.schemas import MAX_SEEDS

    settings = fresh_app.config["ROASTNET"]
    assert settings.max_retrain_work >= MAX_SEEDS * 200 * 3 * 3000  # 64 default seeds are accepted


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer"}, {"Authorization": "bearer  "},
])
@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/v1/retrain", {"seeds": [1]}),
    ("POST", "/v1/models", {"weights": LAB}),
    ("PUT", "/v1/models/active", {"id": "lab"}),
    ("DELETE", "/v1/models/lab", None),
])
def test_admin_calls_need_the_token(fresh_client, headers, method, path, body):
    before = fresh_client.get("/v1/models").json
    r = fresh_client.open(path, method=method, json=body, headers=headers)
    assert r.status_code == 401 and r.mimetype == "application/problem+json"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert fresh_client.get("/v1/models").json == before


def test_import_weights(fresh_client, auth):
    weights = {**LAB, "b2": [10.0]}
    r = fresh_client.post("/v1/models", json={"name": "mine", "weights": weights}, headers=auth)
    assert r.status_code == 201
    model = r.json
    assert model["name"] == "mine" and model["source"] == "import" and model["recipe"] is None
    assert [n["region"] for n in model["neurons"]][0] == "temperature_too_low"
    again = fresh_client.post("/v1/models", json={"weights": weights}, headers=auth)
    assert again.status_code == 200 and again.json["id"] == model["id"]
    taken = fresh_client.post("/v1/models", json={"name": "mine", "weights": LAB}, headers=auth)
    assert taken.status_code == 409 and "taken" in taken.json["detail"]
    p = fresh_client.post("/v1/predict?model=mine", json={"temperature": 200, "duration": 13.9}).json
    assert p["model_id"] == model["id"]


def test_import_with_its_own_normalisation(fresh_client, auth):
    norm = {"mean": {"temperature": 200.0, "duration": 13.0}, "std": {"temperature": 40.0, "duration": 1.0}}
    r = fresh_client.post("/v1/models", json={"weights": LAB, "normalization": norm}, headers=auth)
    assert r.status_code == 201
    lab = fresh_client.get("/v1/models/lab").json
    assert r.json["id"] != lab["id"]


@pytest.mark.parametrize(("weights", "words"), [
    ({**LAB, "W1": [[1.0, 2.0]]}, "weights.W1: List should have at least 2 items"),
    ({**LAB, "W1": [[1.0, 2.0], [1.0, 2.0]]}, "b1 must have shape (2,) for H=2"),
    ({**LAB, "b1": [0.0]}, "b1 must have shape"),
    ({**LAB, "W2": [[1.0], [1.0]]}, "W2 must have shape"),
    ({**LAB, "W1": [[1e308, 0.29, 12.89], [-0.17, -7.34, 10.79]]}, "overflow"),
    # finite once folded, but not a number at 0 °C and 120 min: every answer there was NaN
    ({**LAB, "W1": [[1e306, 0.29, 12.89], [-1e307, -7.34, 10.79]]}, "overflow over the valid range"),
    ({**LAB, "W1": [[[1.0]]]}, "W1"),
    ({k: v for k, v in LAB.items() if k != "b2"}, "b2"),
])
def test_bad_imports_are_422_and_store_nothing(fresh_client, auth, weights, words):
    before = total(fresh_client)
    r = fresh_client.post("/v1/models", json={"weights": weights}, headers=auth)
    assert r.status_code == 422 and words in r.json["detail"], r.json
    assert total(fresh_client) == before


def test_activate_and_delete(fresh_client, auth):
    assert fresh_client.put("/v1/models/active", json={"id": "nope"}, headers=auth).status_code == 404
    r = fresh_client.put("/v1/models/active", json={"id": "lab"}, headers=auth)
    assert r.status_code == 200 and r.json["active"] is True
    assert fresh_client.get("/v1/models/default").json["active"] is False
    r = fresh_client.delete("/v1/models/lab", headers=auth)
    assert r.status_code == 409 and r.mimetype == "application/problem+json"
    assert fresh_client.delete("/v1/models/default", headers=auth).status_code == 204
    assert fresh_client.get("/v1/models/default").status_code == 404
    assert fresh_client.delete("/v1/models/default", headers=auth).status_code == 404


def test_listing_pages_newest_first(fresh_client, auth):
    retrained(fresh_client, {"seeds": [10, 11, 12]}, auth)
    page = fresh_client.get("/v1/models?limit=2&offset=1").json
    assert page["total"] == 5 and page["limit"] == 2 and page["offset"] == 1
    everything = fresh_client.get("/v1/models").json["models"]
    assert [m["id"] for m in page["models"]] == [m["id"] for m in everything[1:3]]
    assert everything[-1]["name"] == "default"
    created = [m["created_at"] for m in everything]
    assert created == sorted(created, reverse=True)
    assert np.all([m["usable"] for m in everything])

"""GET /v1/models/{ref}/trajectory and the perturbation of retrains, through the Flask test client."""

import numpy as np
import pytest

from tests.service.conftest import retrained


def test_the_trajectory_ends_at_the_models_weights(client):
    detail = client.get("/v1/models/default").json
    r = client.get(f"/v1/models/{detail['id']}/trajectory")
    assert r.status_code == 200 and r.headers["X-Model-Id"] == detail["id"]
    body = r.json
    snaps = body["snapshots"]
    steps = [s["step"] for s in snaps]
    assert steps[0] == 0 and steps[-1] == detail["recipe"]["steps"] and steps == sorted(set(steps))
    assert 55 <= len(snaps) <= 62
    last, w = snaps[-1], detail["weights"]
    assert [u["weights"]["temperature"] for u in last["units"]] == w["W1"][0]  # exact floats
    assert [u["weights"]["duration"] for u in last["units"]] == w["W1"][1]
    assert [u["weights"]["bias"] for u in last["units"]] == w["b1"]
    assert [[u["weights"]["output"]] for u in last["units"]] == w["W2"]
    assert [last["output_bias"]] == w["b2"]
    assert [u["region"] for u in last["units"]] == [n["region"] for n in detail["neurons"]]
    assert last["loss"] == pytest.approx(detail["metrics"]["final_loss"], rel=1e-4)
    for s in snaps:  # distances by hand from the weights in the answer
        units = [np.array(list(u["weights"].values())) for u in s["units"]]
        for d in s["distances"]:
            i, j = d["units"]
            assert d["distance"] == pytest.approx(np.linalg.norm(units[i] - units[j]), rel=1e-12)
        assert s["closest_distance"] == min(d["distance"] for d in s["distances"])


def test_a_trajectory_by_id_is_immutable_by_name_it_revalidates(client):
    model_id = client.get("/v1/models/default").json["id"]
    by_id = client.get(f"/v1/models/{model_id}/trajectory")
    assert by_id.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    etag = by_id.headers["ETag"]
    again = client.get(f"/v1/models/{model_id}/trajectory", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    by_name = client.get("/v1/models/default/trajectory")
    assert by_name.headers["Cache-Control"] == "no-cache" and by_name.headers["ETag"] == etag
    assert client.get("/v1/models/default").headers["Cache-Control"] == "no-cache"  # "active" changes


@pytest.mark.parametrize("ref, words", [
    ("no-such-model", "no model with id or name"),
    ("lab", "has no trajectory"),  # imported weights
])
def test_no_trajectory_is_a_404_problem(client, ref, words):
    r = client.get(f"/v1/models/{ref}/trajectory")
    assert r.status_code == 404 and r.content_type == "application/problem+json"
    assert words in r.json["detail"]


@pytest.mark.parametrize("body, field", [
    ({"seeds": [0], "init": "symmetric", "perturbation": 1.5}, "perturbation"),
    ({"seeds": [0], "init": "symmetric", "perturbation": -0.1}, "perturbation"),
    ({"seeds": [0], "init": "symmetric", "perturbation": "0.1"}, "perturbation"),
    ({"seeds": [0], "perturbation": 0.1}, "init symmetric only"),
])
def test_bad_perturbations_are_refused_and_nothing_is_queued(fresh_client, auth, body, field):
    r = fresh_client.post("/v1/retrain", json=body, headers=auth)
    assert r.status_code == 422 and r.content_type == "application/problem+json"
    assert field in r.json["detail"]
    assert fresh_client.get("/v1/jobs").json["total"] == 0


def test_a_perturbed_retrain_separates_the_units(fresh_client, auth):
    same = retrained(fresh_client, {"seeds": [0, 1], "init": "symmetric"}, auth)
    small = retrained(fresh_client, {"seeds": [0, 1], "init": "symmetric", "perturbation": 1e-3}, auth)
    assert {m["id"] for m in same["models"]}.isdisjoint(m["id"] for m in small["models"])
    for row in same["comparison"]["seeds"]:
        assert row["separation_step"] is None and row["duplicates"] == [[0, 1, 2]]
        t = fresh_client.get(f"/v1/models/{row['model_id']}/trajectory").json
        assert all(s["closest_distance"] == 0 for s in t["snapshots"])
        assert all(len({u["region"] for u in s["units"]}) == 1 for s in t["snapshots"])
    for row in small["comparison"]["seeds"]:
        t = fresh_client.get(f"/v1/models/{row['model_id']}/trajectory").json
        assert row["separation_step"] == t["separation_step"] is not None
        assert row["regions_settled_step"] == t["regions_settled_step"]
        closest = {s["step"]: s["closest_distance"] for s in t["snapshots"]}
        assert closest[row["separation_step"]] >= 1000 * closest[0]
        detail = fresh_client.get(f"/v1/models/{row['model_id']}").json
        assert detail["recipe"]["perturbation"] == 1e-3

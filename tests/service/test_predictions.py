import gzip

import numpy as np
import pytest
from werkzeug.test import EnvironBuilder

from model.data import load_coffee_data


def predict(client, body, path="/v1/predict", model="lab"):
    r = client.post(f"{path}{'&' if '?' in path else '?'}model={model}", json=body)
    assert r.status_code == 200, r.json
    assert r.mimetype == "application/json"
    return r.json


@pytest.mark.parametrize(
    ("reading", "unit", "region", "words"),
    [
        ((160, 13.5), 0, "temperature_too_low", "temperature too low: 160.0 °C is "),
        ((230, 14.5), 2, "too_hot_for_too_long", "too hot for too long: at 230.0 °C "),
        ((220, 11.8), 1, "duration_too_short", "duration too short: 11.80 min is "),
    ],
)
def test_bad_readings_fire_the_expected_unit(client, reading, unit, region, words):
    body = predict(client, {"temperature": reading[0], "duration": reading[1]})
    [p] = body["predictions"]
    assert p["label"] == "bad" and p["good_roast"] is False and p["probability"] < 0.5
    assert [(f["neuron"], f["region"]) for f in p["fired"]] == [(unit, region)]
    assert p["fired"][0]["reason"].startswith(words)
    assert "threshold" in p["fired"][0]["reason"] or "limit" in p["fired"][0]["reason"]


def test_published_outputs_through_the_api(client):
    body = predict(client, {"readings": [{"temperature": 200, "duration": 13.9},
                                         {"temperature": 200, "duration": 17}]})
    probs = [p["probability"] for p in body["predictions"]]
    np.testing.assert_allclose(probs, [9.63e-01, 3.03e-08], rtol=5e-3)
    good = body["predictions"][0]
    assert good["label"] == "good" and good["fired"] == []
    assert good["closest"]["neuron"] == 2 and good["closest"]["reason"]
    assert len(good["hidden"]) == 3


def test_fahrenheit_in_fahrenheit_out(client):
    c = predict(client, {"temperature": 200, "duration": 13.9})["predictions"][0]
    f = predict(client, {"temperature": 392, "duration": 13.9, "temperature_unit": "F"})["predictions"][0]
    assert c["temperature_unit"] == "C" and f["temperature_unit"] == "F"
    assert f["temperature"] == 392 and f["probability"] == c["probability"]
    assert [u["neuron"] for u in f["near_bad"]] == [u["neuron"] for u in c["near_bad"]]
    for unit in f["near_bad"] + [f["closest"]]:
        assert "°C" not in unit["reason"]
    # 200 °C = 392 °F; the closest unit's limit is a duration, so the reading's temperature shows
    assert "at 392.0 °F" in f["closest"]["reason"]


def test_extrapolated_readings_are_answered_and_marked(client):
    [p] = predict(client, {"temperature": 320, "duration": 13})["predictions"]
    assert p["extrapolated"] is True and p["label"] == "bad"
    [q] = predict(client, {"temperature": 200, "duration": 13})["predictions"]
    assert q["extrapolated"] is False


def test_batches_answer_like_single_readings(client):
    rng = np.random.default_rng(9)
    readings = [{"temperature": float(t), "duration": float(d)}
                for t, d in zip(rng.uniform(140, 300, 40), rng.uniform(11, 16, 40), strict=True)]
    batch = predict(client, {"readings": readings})["predictions"]
    for reading, got in zip(readings, batch, strict=True):
        [one] = predict(client, reading)["predictions"]
        assert got.keys() == one.keys()
        np.testing.assert_allclose(got["probability"], one["probability"], rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(got["hidden"], one["hidden"], rtol=1e-9, atol=1e-15)
        assert (got["label"], got["extrapolated"]) == (one["label"], one["extrapolated"])
        assert [f["reason"] for f in got["fired"]] == [f["reason"] for f in one["fired"]]
        assert got["closest"]["reason"] == one["closest"]["reason"]


def test_threshold_is_the_callers(client):
    [p] = predict(client, {"temperature": 200, "duration": 13.9, "threshold": 0.99})["predictions"]
    assert p["label"] == "bad"


def test_active_model_answers_without_a_model_parameter(client):
    r = client.post("/v1/predict", json={"temperature": 200, "duration": 13.9})
    default_id = client.get("/v1/models/default").json["id"]
    assert r.json["model_id"] == default_id
    assert r.headers["X-Model-Id"] == default_id


def test_explain_has_every_part(client):
    [e] = predict(client, {"temperature": 160, "duration": 13.5}, "/v1/explain")["predictions"]
    assert len(e["neurons"]) == 3
    responsible = [n for n in e["neurons"] if n["state"] == "responsible"]
    assert [n["region"] for n in responsible] == ["temperature_too_low"] == [u["region"] for u in e["fired"]]
    for n in e["neurons"]:
        pre = n["pre_activation"]
        assert pre["total"] == pytest.approx(pre["temperature"] + pre["duration"] + pre["bias"])
    s = e["shapley"]
    assert s["baseline_kind"] == "data" and s["baseline"] is None and s["background_size"] == 200
    total = e["probability"] - s["baseline_probability"]
    assert s["temperature"] + s["duration"] == pytest.approx(total, abs=1e-9)
    [(lo, hi)] = e["counterfactual"]["good_temperature_ranges"]
    assert 170 < lo < hi < 220
    assert e["counterfactual"]["good_duration_ranges"] == []
    assert e["counterfactual"]["extrapolated_ranges"] == {"temperature": [False], "duration": []}
    mid = predict(client, {"temperature": (lo + hi) / 2, "duration": 13.5})
    assert mid["predictions"][0]["label"] == "good"
    flip = e["counterfactual"]["nearest_flip"]
    flipped = predict(client, {"temperature": flip["temperature"], "duration": flip["duration"]},
                      )
    assert flipped["predictions"][0]["label"] == "good"


def test_explain_against_the_mean_on_request(client):
    [e] = predict(client, {"temperature": 160, "duration": 13.5}, "/v1/explain?baseline=mean")["predictions"]
    s = e["shapley"]
    assert s["baseline_kind"] == "mean" and s["background_size"] == 1
    assert s["baseline"]["temperature"] == pytest.approx(218.7, abs=0.1)
    r = client.post("/v1/explain?baseline=median", json={"temperature": 160, "duration": 13.5})
    assert r.status_code == 422 and r.mimetype == "application/problem+json"


def test_explain_in_fahrenheit_gives_every_temperature_in_fahrenheit(client):
    c = predict(client, {"temperature": 160, "duration": 13.5}, "/v1/explain?baseline=mean")["predictions"][0]
    f = predict(client, {"temperature": 320, "duration": 13.5, "temperature_unit": "F"},
                "/v1/explain?baseline=mean")["predictions"][0]
    assert f["temperature"] == 320 and f["temperature_unit"] == "F"
    for (clo, chi), (flo, fhi) in zip(c["counterfactual"]["good_temperature_ranges"],
                                      f["counterfactual"]["good_temperature_ranges"], strict=True):
        assert (flo, fhi) == pytest.approx((clo * 1.8 + 32, chi * 1.8 + 32), abs=1e-6)
    assert f["counterfactual"]["nearest_flip"]["temperature"] == pytest.approx(
        c["counterfactual"]["nearest_flip"]["temperature"] * 1.8 + 32, abs=1e-6)
    assert f["shapley"]["baseline"]["temperature"] == pytest.approx(
        c["shapley"]["baseline"]["temperature"] * 1.8 + 32)
    assert all("°C" not in n["reason"] for n in f["neurons"])


def test_neurons_describe_the_lab_units(client):
    body = client.get("/v1/neurons?model=lab").json
    assert [n["region"] for n in body["neurons"]] == [
        "temperature_too_low", "duration_too_short", "too_hot_for_too_long"]
    b = body["neurons"][0]["boundary"]
    # The boundary crosses zero near 175 °C at the mean duration.
    t = -(b["duration_coef"] * 13.43 + b["intercept"]) / b["temperature_coef"]
    assert 173 < t < 177


def test_maps_for_dashboards(client):
    body = client.get("/v1/maps?model=lab&resolution=7").json
    assert len(body["temperature"]) == 7 and len(body["duration"]) == 7
    assert np.array(body["probability"]).shape == (7, 7)
    assert np.array(body["neurons"]).shape == (3, 7, 7)
    p = np.array(body["probability"])
    assert p.max() > 0.5 and p.min() < 0.01


def test_dataset(client):
    body = client.get("/v1/dataset").json
    assert body["data_seed"] == 2 and len(body["samples"]) == 200
    assert sum(s["good_roast"] for s in body["samples"]) == 43
    X, _ = load_coffee_data()
    assert body["normalization"]["mean"]["temperature"] == pytest.approx(X[:, 0].mean())
    assert body["normalization"]["std"]["duration"] == pytest.approx(X[:, 1].std())


def test_models_known_at_first_start(client):
    default = client.get("/v1/models/default").json
    lab = client.get("/v1/models/lab").json
    assert default["active"] is True and lab["active"] is False
    assert default["recipe"]["seed"] == 1234 and lab["recipe"] is None
    assert default["metrics"]["train_accuracy"] == 1.0
    assert default["metrics"]["grid_accuracy"] >= 0.99
    assert lab["metrics"]["train_accuracy"] == 1.0
    assert default["symmetry"]["duplicate_groups"] == []
    assert default["loss_curve"][0]["loss"] > default["loss_curve"][-1]["loss"]
    assert client.get(f"/v1/models/{default['id']}").json["name"] == "default"


def test_health(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz").json
    assert ready["status"] == "ready" and ready["active_model"]
    spec = client.get("/openapi.yaml")
    assert spec.status_code == 200 and spec.data.startswith(b"openapi: 3.1.0")


def test_security_headers(client):
    r = client.get("/v1/neurons")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Cache-Control"] == "no-cache"
    assert client.post("/v1/predict", json={"temperature": 1}).headers["Cache-Control"] == "no-store"
    for r in (client.post("/v1/predict", json={"temperature": 200, "duration": 13.9}),
              client.post("/v1/predict", json={"temperature": 1}), client.get("/nope"),
              client.delete("/v1/neurons"), client.get("/v1/neurons")):
        for name in ("X-Content-Type-Options", "X-Request-ID", "Cache-Control", "Vary"):
            assert len(r.headers.getlist(name)) == 1, (r.status_code, name)  # added once each


def test_an_answer_in_memory_reaches_the_server_as_a_list(app):
    # granian writes a list body in one call; any other iterable costs it a call per chunk
    def call(method, path, **kw):
        environ = EnvironBuilder(path=path, method=method, **kw).get_environ()
        status = []
        body = app.wsgi_app(environ, lambda s, headers, exc_info=None: status.append(s))
        return status[0], body

    status, body = call("POST", "/v1/predict?model=lab", json={"temperature": 160, "duration": 13.5})
    assert status == "200 OK" and type(body) is list and b"temperature_too_low" in b"".join(body)
    status, body = call("GET", "/v1/maps?resolution=40", headers={"Accept-Encoding": "gzip"})
    assert status == "200 OK" and type(body) is list and gzip.decompress(b"".join(body)).startswith(b"{")
    etag = app.test_client().get("/v1/neurons").headers["ETag"]
    for method, headers in (("HEAD", {}), ("GET", {"If-None-Match": etag})):  # still no body
        status, body = call(method, "/v1/neurons", headers=headers)
        assert status in ("200 OK", "304 NOT MODIFIED") and b"".join(body) == b""


def test_a_body_given_as_text_is_still_encoded():
    from flask import Response

    from service.app import App

    app = App(__name__)
    app.add_url_rule("/parts", "parts", lambda: Response(["é", b"!"], content_type="text/plain"))
    body = app.wsgi_app(EnvironBuilder(path="/parts").get_environ(), lambda *args: None)
    assert b"".join(body) == "é!".encode()  # a str reaching the server would be an error there

"""Routes at their edges: °F on the batch paths, limits at exactly the limit and one past it,
the strictness of the admin token, and the registry's refusal to activate a model that does not load.

Probabilities are held against the lab's forward pass (tests/reference.py) on the published weights.
"""

from __future__ import annotations

import io
import sqlite3

import numpy as np
import pytest

from model.network import lab_network
from tests import reference as ref
from tests.server import TOKEN
from tests.service.conftest import make_app

LAB = lab_network()


def F_to_C(f: float) -> float:
    return (f - 32) * 5 / 9


def refused(r, status=422, words=""):
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.mimetype == "application/problem+json"
    assert words in r.json["detail"], r.json["detail"]
    return r.json


# ---- °F on the batch paths, and conversions that are not whole degrees ----------------------

FAHRENHEIT = [(392.5, 13.9), (320.3, 13.5), (32.0, 60.0), (932.0, 1.0), (356.9, 12.1)]


def _check_fahrenheit(predictions):
    assert len(predictions) == len(FAHRENHEIT) + 1
    for p, (f, d) in zip(predictions, FAHRENHEIT, strict=False):
        assert p["temperature"] == f and p["temperature_unit"] == "F"
        np.testing.assert_allclose(p["probability"], ref.proba(LAB, F_to_C(f), d), rtol=1e-12, atol=1e-300)
    celsius = predictions[-1]
    assert celsius["temperature_unit"] == "C" and celsius["temperature"] == 200
    np.testing.assert_allclose(celsius["probability"], ref.proba(LAB, 200, 13.9), rtol=1e-12)


def test_fahrenheit_readings_in_a_json_batch(client):
    body = {"readings": [{"temperature": f, "duration": d, "temperature_unit": "F"} for f, d in FAHRENHEIT]
            + [{"temperature": 200, "duration": 13.9}]}
    r = client.post("/v1/predict?model=lab", json=body)
    assert r.status_code == 200, r.json
    _check_fahrenheit(r.json["predictions"])
    first = r.json["predictions"][0]
    # 392.5 °F is 200.28 °C: good at the lab's weights, the diagonal unit close; said in °F
    assert first["label"] == "good"
    assert first["closest"]["reason"].startswith("time and temperature in balance, but close: at 392.5 °F ")


@pytest.mark.parametrize("quoted", [False, True])
def test_fahrenheit_readings_in_a_csv_batch(client, quoted):
    q = '"' if quoted else ""  # quotes take the careful csv reader, none the fast one
    lines = [f"{q}{f}{q},{d},F" for f, d in FAHRENHEIT] + ["200,13.9,C"]
    body = "temperature,duration,temperature_unit\n" + "\n".join(lines) + "\n"
    r = client.post("/v1/predict?model=lab", data=body, content_type="text/csv")
    assert r.status_code == 200, r.json
    _check_fahrenheit(r.json["predictions"])


def test_fahrenheit_on_the_explain_batch(client):
    body = {"readings": [{"temperature": 392.5, "duration": 13.9, "temperature_unit": "F"},
                         {"temperature": 160, "duration": 13.5}]}
    r = client.post("/v1/explain?model=lab", json=body)
    assert r.status_code == 200, r.json
    f, c = r.json["predictions"]
    assert f["temperature"] == 392.5 and f["temperature_unit"] == "F"
    np.testing.assert_allclose(f["probability"], ref.proba(LAB, F_to_C(392.5), 13.9), rtol=1e-12)
    cf = f["counterfactual"]
    assert cf["good_temperature_ranges"]
    for lo, hi in cf["good_temperature_ranges"]:  # in °F: good inside, bad just outside
        assert ref.proba(LAB, F_to_C((lo + hi) / 2), 13.9) >= 0.5
        assert ref.proba(LAB, F_to_C(lo - 0.05), 13.9) < 0.5 and ref.proba(LAB, F_to_C(hi + 0.05), 13.9) < 0.5
    flip = cf["nearest_flip"]
    np.testing.assert_allclose(flip["probability"], ref.proba(LAB, F_to_C(flip["temperature"]),
                                                               flip["duration"]), rtol=1e-9)
    assert flip["probability"] < 0.5 and abs(flip["temperature"] - 392.5) < 5  # near, in °F
    assert "°C" not in str([u["reason"] for u in f["neurons"]])
    assert "°F" not in str(c)


# ---- limits: exactly at the limit is served, one past it is refused ---------------------------

@pytest.mark.parametrize(("reading", "ok"), [
    ({"temperature": 0, "duration": 13}, True),
    ({"temperature": 500, "duration": 13}, True),
    ({"temperature": -0.001, "duration": 13}, False),
    ({"temperature": 500.001, "duration": 13}, False),
    ({"temperature": 32, "duration": 13, "temperature_unit": "F"}, True),
    ({"temperature": 932, "duration": 13, "temperature_unit": "F"}, True),
    ({"temperature": 31.999, "duration": 13, "temperature_unit": "F"}, False),
    ({"temperature": 932.001, "duration": 13, "temperature_unit": "F"}, False),
    ({"temperature": 501, "duration": 13, "temperature_unit": "F"}, True),  # 260.6 °C
    ({"temperature": 600, "duration": 13}, False),  # a valid °F number, but not in °C
    ({"temperature": 200, "duration": 1e-9}, True),
    ({"temperature": 200, "duration": 120}, True),
    ({"temperature": 200, "duration": 0}, False),
    ({"temperature": 200, "duration": 120.0001}, False),
])
@pytest.mark.parametrize("shape", ["single", "batch", "csv"])
def test_readings_at_and_past_the_limits(client, reading, ok, shape):
    if shape == "single":
        r = client.post("/v1/predict?model=lab", json=reading)
    elif shape == "batch":
        r = client.post("/v1/predict?model=lab",
                        json={"readings": [{"temperature": 200, "duration": 13.9}, reading]})
    else:
        row = f"{reading['temperature']},{reading['duration']},{reading.get('temperature_unit', 'C')}"
        r = client.post("/v1/predict?model=lab", content_type="text/csv",
                        data=f"temperature,duration,temperature_unit\n200,13.9,C\n{row}\n")
    if not ok:
        field = "temperature" if "temperature" in str(r.json.get("detail")) else "duration"
        body = refused(r, 422, field)
        where = "readings[1]." if shape != "single" else ""
        if shape != "single":
            assert "readings[1]" in body["detail"]
        # The problem lists the one field at fault and says what is wrong with it (README, spec).
        [error] = body["errors"]
        assert error["field"] == where + field and error["message"] in body["detail"], body
        return
    assert r.status_code == 200, r.json
    p = r.json["predictions"][-1]
    t = reading["temperature"]
    celsius = F_to_C(t) if reading.get("temperature_unit") == "F" else t
    np.testing.assert_allclose(p["probability"], ref.proba(LAB, celsius, reading["duration"]),
                               rtol=1e-12, atol=1e-300)


@pytest.fixture(scope="module")
def small_app(tmp_path_factory):
    return make_app(tmp_path_factory.mktemp("small"), max_predict_readings=5, max_explain_readings=3,
                    max_body_bytes=2048)


@pytest.mark.parametrize(("path", "cap"), [("/v1/predict", 5), ("/v1/explain", 3)])
@pytest.mark.parametrize("csv", [False, True])
def test_a_batch_of_exactly_the_cap_is_served_and_one_more_refused(small_app, path, cap, csv):
    client = small_app.test_client()
    if csv and path == "/v1/explain":
        return  # CSV bodies are for /v1/predict

    def post(n):
        if csv:
            return client.post(path, content_type="text/csv",
                               data="temperature,duration\n" + "200,13.9\n" * n)
        return client.post(path, json={"readings": [{"temperature": 200, "duration": 13.9}] * n})

    r = post(cap)
    assert r.status_code == 200, r.json
    assert len(r.json.get("predictions") or r.json.get("explanations")) == cap
    refused(post(cap + 1), 422, f"at most {cap} readings per request on this route, got {cap + 1}")


def test_the_default_caps_are_10000_and_1000(client):
    ok = client.post("/v1/predict?fields=label", json={"readings": [{"temperature": 200, "duration": 13.9}]
                                                       * 10_000})
    assert ok.status_code == 200 and len(ok.json["predictions"]) == 10_000
    refused(client.post("/v1/predict?fields=label",
                        json={"readings": [{"temperature": 200, "duration": 13.9}] * 10_001}),
            422, "at most 10000 readings")
    refused(client.post("/v1/explain", json={"readings": [{"temperature": 200, "duration": 13.9}] * 1_001}),
            422, "at most 1000 readings")


def test_a_body_of_exactly_the_cap_is_read_and_one_byte_more_refused(small_app):
    client = small_app.test_client()
    head = b'{"temperature": 200, "duration": 13.9}'
    exact = head + b" " * (2048 - len(head))  # JSON allows trailing white space
    r = client.post("/v1/predict", data=exact, content_type="application/json")
    assert r.status_code == 200, r.json
    refused(client.post("/v1/predict", data=exact + b" ", content_type="application/json"), 413)


class Trickle(io.BytesIO):
    """A server's input stream that hands over at most 5 bytes per read, as sockets may."""

    def read(self, n=-1):
        return super().read(5 if n is None or n < 0 else min(n, 5))


class Reset(Trickle):
    """… whose connection is reset after the first piece."""

    def read(self, n=-1):
        if self.tell():
            raise ConnectionResetError(104, "Connection reset by peer")
        return super().read(n)


def test_a_body_is_read_whole_in_pieces_and_a_short_one_is_refused(client):
    body = b'{"temperature": 200, "duration": 13.9}'
    whole = client.post("/v1/predict", content_type="application/json", environ_overrides={
        "wsgi.input": Trickle(body), "CONTENT_LENGTH": str(len(body))})
    assert whole.status_code == 200 and whole.json["predictions"][0]["duration"] == 13.9
    # The client promised more than it sent, then went away: 400, never a half-read reading.
    short = client.post("/v1/predict", content_type="application/json", environ_overrides={
        "wsgi.input": Trickle(body[:-3]), "CONTENT_LENGTH": str(len(body))})
    refused(short, 400, f"the body ended after {len(body) - 3} of the {len(body)} bytes")
    # … or its connection broke mid-body (a reset reaches the app as an OSError): 400, not 500.
    broken = client.post("/v1/predict", content_type="application/json", environ_overrides={
        "wsgi.input": Reset(body), "CONTENT_LENGTH": str(len(body))})
    refused(broken, 400, f"the body ended after 5 of the {len(body)} bytes")


@pytest.mark.parametrize(("threshold", "good"), [
    (1e-12, True), (4e-7, True), (5e-7, False), (1 - 1e-12, False)])
def test_thresholds_near_zero_and_one(client, threshold, good):
    # the lab gives (160 °C, 13.5 min) 4.28e-7
    assert 4e-7 < ref.proba(LAB, 160, 13.5) < 5e-7
    r = client.post("/v1/predict?model=lab",
                    json={"temperature": 160, "duration": 13.5, "threshold": threshold})
    assert r.status_code == 200, r.json
    assert r.json["predictions"][0]["good_roast"] is good
    assert (r.json["predictions"][0]["fired"] == []) is good
    r = client.post("/v1/predict?model=lab",
                    json={"temperature": 200, "duration": 13.9, "threshold": threshold})
    assert r.json["predictions"][0]["good_roast"] is bool(ref.proba(LAB, 200, 13.9) >= threshold)


@pytest.mark.parametrize("threshold", [0, 1, -1e-12, 1 + 1e-12])
def test_thresholds_of_zero_or_one_are_refused(client, threshold):
    refused(client.post("/v1/predict", json={"temperature": 160, "duration": 13.5, "threshold": threshold}),
            422, "threshold")


# ---- the admin token ---------------------------------------------------------------------------

@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Bearer ", f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", f"Bearer x{TOKEN}",
    f"Bearer {TOKEN.upper()}", f"Bearer {TOKEN.swapcase()}", f"Basic {TOKEN}", f"Token {TOKEN}",
    f"Bearer{TOKEN}", f"Bearer {TOKEN} {TOKEN}", f"Bearer {TOKEN[:10]} {TOKEN[10:]}", TOKEN,
    f"Bearer\t{TOKEN}x",
])
def test_anything_but_the_token_is_refused_and_changes_nothing(fresh_client, header):
    before = fresh_client.get("/v1/models/active").json["id"]
    headers = {} if header is None else {"Authorization": header}
    r = fresh_client.put("/v1/models/active", json={"id": "lab"}, headers=headers)
    refused(r, 401)
    assert fresh_client.get("/v1/models/active").json["id"] == before


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"BEARER {TOKEN}",
                                    f"Bearer  {TOKEN}"])
def test_the_token_with_the_scheme_in_any_case_is_accepted(fresh_client, header):
    # RFC 7235: the scheme is case-insensitive and one or more spaces follow it; the token is exact
    r = fresh_client.put("/v1/models/active", json={"id": "lab"}, headers={"Authorization": header})
    assert r.status_code == 200, r.json
    assert fresh_client.get("/v1/models/active").json["name"] == "lab"


# ---- a model that does not load is never made active --------------------------------------------

@pytest.mark.parametrize("weights", [
    "{not json",
    '{"W1": [[1, 2]], "b1": [0], "W2": [[1]], "b2": [0], "normalization": {"mean": [0, 0], "std": [1, 1]}}',
    '{"W1": [[1], [2]], "b1": [0], "W2": [[1]], "b2": [0], "normalization": {"mean": [0, 0], "std": [0, 1]}}',
])
@pytest.mark.parametrize("ref_by", ["id", "name"])
def test_a_stored_model_that_does_not_load_is_not_activated(tmp_path, auth, weights, ref_by):
    data = tmp_path / "data"
    first = make_app(data).test_client()
    lab_id = first.get("/v1/models/lab").json["id"]
    active = first.get("/v1/models/active").json["id"]
    assert active != lab_id
    with sqlite3.connect(data / "registry.sqlite3") as db:
        assert db.execute("UPDATE models SET weights = ? WHERE id = ?", (weights, lab_id)).rowcount == 1
    db.close()
    client = make_app(data).test_client()  # a worker that has not loaded the model yet
    r = client.put("/v1/models/active", json={"id": lab_id if ref_by == "id" else "lab"}, headers=auth)
    body = refused(r, 409)
    assert lab_id in body["detail"]
    assert client.get("/v1/models/active").json["id"] == active
    with sqlite3.connect(data / "registry.sqlite3") as db:
        assert db.execute("SELECT value FROM state WHERE key = 'active'").fetchone() == (active,)
    db.close()
    assert client.post("/v1/predict", json={"temperature": 200, "duration": 13.9}).json["model_id"] == active


def test_the_registry_itself_refuses_to_activate_a_model_that_does_not_load(tmp_path):
    from service.registry.sqlite import SqliteRegistry
    from service.stored import BrokenModel
    from service.training import ensure_defaults

    reg = SqliteRegistry(tmp_path)
    ensure_defaults(reg)
    active, lab_id = reg.active_id, reg.resolve("lab")
    with sqlite3.connect(tmp_path / "registry.sqlite3") as db:
        db.execute("UPDATE models SET weights = '{not json' WHERE id = ?", (lab_id,))
    db.close()
    other = SqliteRegistry(tmp_path)  # another worker, with nothing cached
    for ref_by in (lab_id, "lab"):
        with pytest.raises(BrokenModel):
            other.activate(ref_by)
    assert SqliteRegistry(tmp_path).active_id == active

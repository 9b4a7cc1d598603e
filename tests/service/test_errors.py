"""Every bad request gets a clear 4xx problem+json answer; none reaches a 500."""

import json

import pytest

OK = {"temperature": 200, "duration": 13.9}
J = "application/json"

CASES = [
    # (id, method, path, body bytes or JSON, content type, status, words in detail)
    ("malformed", "post", "/v1/predict", b'{"temperature": 200,', J, 400, "not valid JSON"),
    ("not-json", "post", "/v1/predict", b"temperature=200", J, 400, "not valid JSON"),
    ("empty-body", "post", "/v1/predict", b"", J, 400, "not valid JSON"),
    ("text-plain", "post", "/v1/predict", b'{"temperature": 200, "duration": 13}', "text/plain", 415,
     "application/json"),
    ("no-content-type", "post", "/v1/explain", b'{"temperature": 200}', None, 415, "application/json"),
    ("nan", "post", "/v1/predict", b'{"temperature": NaN, "duration": 13}', J, 422,
     "temperature: must be a finite number (NaN and Infinity are not allowed)"),
    ("infinity", "post", "/v1/predict", b'{"temperature": 200, "duration": Infinity}', J, 422, "finite"),
    ("1e999", "post", "/v1/predict", b'{"temperature": 1e999, "duration": 13}', J, 422, "finite"),
    ("string", "post", "/v1/predict", {"temperature": "200", "duration": 13}, J, 422, "temperature"),
    ("boolean", "post", "/v1/predict", {"temperature": True, "duration": 13}, J, 422, "temperature"),
    ("null", "post", "/v1/predict", {"temperature": None, "duration": 13}, J, 422, "temperature"),
    ("missing", "post", "/v1/predict", {"temperature": 200}, J, 422, "duration"),
    ("unknown-field", "post", "/v1/predict", {**OK, "humidity": 3}, J, 422, "humidity: is not a known field"),
    ("zero-duration", "post", "/v1/predict", {"temperature": 200, "duration": 0}, J, 422, "duration"),
    ("negative-duration", "post", "/v1/predict", {"temperature": 200, "duration": -3}, J, 422, "duration"),
    ("absurd-hot", "post", "/v1/predict", {"temperature": 5000, "duration": 13}, J, 422, "500 °C"),
    ("absurd-cold", "post", "/v1/predict", {"temperature": -40, "duration": 13}, J, 422, "between 0"),
    ("absurd-fahrenheit", "post", "/v1/predict",
     {"temperature": 2000, "duration": 13, "temperature_unit": "F"}, J, 422, "932 °F"),
    ("bad-unit", "post", "/v1/predict", {**OK, "temperature_unit": "K"}, J, 422, "temperature_unit"),
    ("empty-batch", "post", "/v1/predict", {"readings": []}, J, 422, "readings"),
    ("oversize-batch", "post", "/v1/predict", {"readings": [OK] * 10_001}, J, 422, "10000"),
    ("explain-batch-limit", "post", "/v1/explain", {"readings": [OK] * 1_001}, J, 422, "at most 1000"),
    ("bad-reading-in-batch", "post", "/v1/predict", {"readings": [OK, {"temperature": 1}]}, J, 422,
     "readings[1].duration"),
    ("batch-not-list", "post", "/v1/predict", {"readings": OK}, J, 422, "readings"),
    ("array-body", "post", "/v1/predict", [OK], J, 422, "body"),
    ("deep-nesting", "post", "/v1/predict", b'{"temperature": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
     J, 422, "nested"),
    ("threshold-one", "post", "/v1/predict", {**OK, "threshold": 1}, J, 422, "threshold"),
    ("unknown-model", "post", "/v1/predict?model=nope", OK, J, 404, "nope"),
    ("unknown-model-get", "get", "/v1/neurons?model=nope", None, None, 404, "no model"),
    ("unknown-path", "get", "/v2/predict", None, None, 404, "no such resource"),
    ("wrong-method", "get", "/v1/predict", None, None, 405, "not allowed"),
    ("maps-resolution", "get", "/v1/maps?resolution=1", None, None, 422, "resolution"),
    ("maps-resolution-text", "get", "/v1/maps?resolution=big", None, None, 422, "resolution"),
    ("models-limit", "get", "/v1/models?limit=501", None, None, 422, "limit"),
    ("unknown-model-detail", "get", "/v1/models/nope", None, None, 404, "nope"),
]


@pytest.mark.parametrize(("method", "path", "body", "ctype", "status", "words"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_requests_get_problem_json(client, method, path, body, ctype, status, words):
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    headers = {"Content-Type": ctype} if ctype else {}
    r = client.open(path, method=method.upper(), data=data, headers=headers)
    assert r.status_code == status, r.data[:500]
    assert r.mimetype == "application/problem+json"
    problem = r.json
    assert problem["status"] == status and problem["title"] and problem["type"].startswith("/problems/")
    assert words in problem["detail"], problem["detail"]
    assert "Traceback" not in r.get_data(as_text=True)


def test_validation_problems_list_fields(client):
    r = client.post("/v1/predict", json={"temperature": "hot", "duration": -1, "colour": 3})
    fields = {e["field"] for e in r.json["errors"]}
    assert {"temperature", "duration", "colour"} <= fields


def test_many_faults_are_listed_up_to_twenty_and_the_detail_names_three(client):
    # 25 readings, each with one fault: the first three in the detail, the count of the rest,
    # and twenty listed field by field, in the readings' order.
    readings = [{"temperature": 200, "duration": "long"} for _ in range(25)]
    r = client.post("/v1/predict", json={"readings": readings})
    assert r.status_code == 422
    problem = r.json
    fields = [e["field"] for e in problem["errors"]]
    assert fields == [f"readings[{i}].duration" for i in range(20)]
    named = problem["detail"].split("; ")
    assert [part.split(":")[0] for part in named] == [f"readings[{i}].duration" for i in range(3)]
    assert problem["detail"].endswith(" (and 22 more)")


def test_body_over_the_limit_is_413(tmp_path):
    from tests.service.conftest import make_app

    client = make_app(tmp_path, max_body_bytes=2048).test_client()
    r = client.post("/v1/predict", data=b"{" + b" " * 5000 + b"}", content_type=J)
    assert r.status_code == 413 and r.mimetype == "application/problem+json"


def test_a_surprise_is_a_500_problem_without_a_traceback(fresh_app):
    @fresh_app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    r = fresh_app.test_client().get("/boom")
    assert r.status_code == 500 and r.mimetype == "application/problem+json"
    assert "secret" not in r.get_data(as_text=True)

"""One table of hostile input against the real server: each gets a 4xx problem+json and changes nothing."""

import json

import pytest
import requests

from tests.server import Server, admin

J = {"Content-Type": "application/json"}
OK = {"temperature": 200, "duration": 13.9}
LAB = {"W1": [[-8.94, 0.29, 12.89], [-0.17, -7.34, 10.79]], "b1": [-9.87, -9.28, 1.01],
       "W2": [[-31.38], [-27.86], [-32.79]], "b2": [15.54]}


def raw(text):
    return text.encode() if isinstance(text, str) else text


# (id, method, path, body (bytes, or JSON-able), headers, status, words in the detail)
CASES = [
    ("malformed", "POST", "/v1/predict", raw('{"temperature": 200 "duration": 13}'), J, 400, "not valid JSON"),
    ("truncated", "POST", "/v1/predict", raw('{"readings": [{"temperature": 200, "dur'), J, 400, "not valid JSON"),
    ("empty", "POST", "/v1/explain", b"", J, 400, "not valid JSON"),
    ("invalid-utf8", "POST", "/v1/predict", b'{"temperature": "\xff\xfe", "duration": 1}', J, 400, "JSON"),
    ("text-plain", "POST", "/v1/predict", raw(json.dumps(OK)), {"Content-Type": "text/plain"}, 415,
     "application/json"),
    ("form", "POST", "/v1/predict", b"temperature=200&duration=13",
     {"Content-Type": "application/x-www-form-urlencoded"}, 415, "application/json"),
    ("multipart", "POST", "/v1/retrain", b"--x\r\n\r\n--x--", {**admin(), "Content-Type": "multipart/form-data; boundary=x"},
     415, "application/json"),
    ("NaN", "POST", "/v1/predict", raw('{"temperature": NaN, "duration": 13}'), J, 422, "finite"),
    ("Infinity", "POST", "/v1/explain", raw('{"temperature": 200, "duration": Infinity}'), J, 422, "finite"),
    ("-Infinity", "POST", "/v1/predict", raw('{"temperature": -Infinity, "duration": 13}'), J, 422, "finite"),
    ("1e999", "POST", "/v1/predict", raw('{"temperature": 1e999, "duration": 13}'), J, 422, "finite"),
    ("string", "POST", "/v1/predict", {"temperature": "200", "duration": 13}, J, 422, "temperature"),
    ("boolean", "POST", "/v1/predict", {"temperature": True, "duration": 13}, J, 422, "temperature"),
    ("null", "POST", "/v1/predict", {"temperature": None, "duration": 13}, J, 422, "temperature"),
    ("json-null", "POST", "/v1/predict", None, J, 422, "body"),
    ("json-string", "POST", "/v1/predict", "200 °C", J, 422, "body"),
    ("deep-arrays", "POST", "/v1/predict", raw("[" * 10_000 + "]" * 10_000), J, 422, "nested"),
    ("deep-in-field", "POST", "/v1/retrain", raw('{"seeds": ' + "[" * 10_000 + "]" * 10_000 + "}"),
     {**J, **admin()}, 422, "nested"),
    ("unknown-field", "POST", "/v1/predict", {**OK, "humidity": 40}, J, 422, "humidity"),
    ("unknown-retrain-field", "POST", "/v1/retrain", {"seeds": [1], "epochs": 5}, {**J, **admin()}, 422,
     "epochs"),
    ("10-MB", "POST", "/v1/predict", b'{"x": "' + b"a" * 10_000_000 + b'"}', J, 413, "limit"),
    ("200k-readings", "POST", "/v1/predict",
     raw(json.dumps({"readings": [OK] * 200_000})), J, 413, "limit"),
    ("10001-readings", "POST", "/v1/predict", {"readings": [OK] * 10_001}, J, 422, "10000"),
    ("unicode-name", "POST", "/v1/models", {"name": "Röstung ☕", "weights": LAB}, {**J, **admin()}, 422, "name"),
    ("name-active", "POST", "/v1/models", {"name": "active", "weights": LAB}, {**J, **admin()}, 422, "active"),
    ("unicode-model", "GET", "/v1/neurons?model=%E2%98%95", None, {}, 404, "☕"),
    ("unicode-path", "GET", "/v1/models/%E2%98%95%00", None, {}, 404, "no model"),
    ("huge-header", "GET", "/v1/neurons", None, {"X-Roast": "a" * 16_000}, 431, "8192"),
    ("many-headers", "GET", "/healthz", None, {f"X-H{i}": "1" for i in range(60)}, 431, "50"),
    ("long-uri", "GET", "/v1/neurons?model=" + "a" * 5000, None, {}, 414, "4096"),
    ("basic-auth", "POST", "/v1/retrain", {"seeds": [1]}, {**J, "Authorization": "Basic YTpi"}, 401, "Bearer"),
    ("token-scheme", "POST", "/v1/retrain", {"seeds": [1]}, {**J, "Authorization": "Token abc"}, 401, "Bearer"),
    ("empty-bearer", "PUT", "/v1/models/active", {"id": "lab"}, {**J, "Authorization": "Bearer "}, 401, "Bearer"),
    ("wrong-token", "DELETE", "/v1/models/lab", None, {"Authorization": "Bearer not-it"}, 401, "not valid"),
    ("unicode-token", "DELETE", "/v1/models/lab", None, {"Authorization": "Bearer r\u00f6st".encode("utf-8")},
     401, "not valid"),
    ("no-auth", "POST", "/v1/models", {"weights": LAB}, J, 401, "admin token"),
    ("bad-method", "PATCH", "/v1/predict", {}, J, 405, "not allowed"),
    ("options", "OPTIONS", "/v1/models/active", None, {}, 405, "not allowed"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with Server(tmp_path_factory.mktemp("bad") / "data", workers=2) as s:
        yield s


@pytest.mark.parametrize(("method", "path", "body", "headers", "status", "words"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_input(server, method, path, body, headers, status, words):
    before = requests.get(f"{server.url}/v1/models?limit=500", timeout=10).json()
    data = body if isinstance(body, bytes) or (body is None and method != "POST") else json.dumps(body)
    r = requests.request(method, server.url + path, data=data, headers=headers, timeout=60)
    assert r.status_code == status, r.text[:300]
    assert r.headers["Content-Type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == status and words in problem["detail"], problem
    assert "Traceback" not in r.text
    assert requests.get(f"{server.url}/readyz", timeout=10).status_code == 200
    assert requests.get(f"{server.url}/v1/models?limit=500", timeout=10).json() == before


def test_nothing_reached_the_log_as_a_traceback(server):
    log = server.output()
    assert "Traceback" not in log and "Exception" not in log
    print(f"bad inputs tried: {len(CASES)}, all answered 4xx problem+json, registry unchanged")

"""Refusals made before the app parses anything are problem+json too: gunicorn's own limits, a bad
request line, a chunked body over the cap, coded bodies."""

import gzip
import socket
import struct

import orjson
import pytest
import requests

from tests.server import Server, raw_exchange, until
from tests.service.test_metrics import scrape, value

J = {"Content-Type": "application/json"}
OK = orjson.dumps({"temperature": 200, "duration": 13.9})
CAP = 64 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {"ROASTNET_MAX_BODY_BYTES": str(CAP)}
    with Server(tmp_path_factory.mktemp("refusals") / "data", workers=2, env=env) as s:
        yield s


def assert_problem(r, status, words):
    assert r.status_code == status, r.text[:300]
    assert r.headers["Content-Type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == status and words in problem["detail"], problem


@pytest.mark.parametrize(("request_bytes", "status"), [
    (b"NOT A REQUEST LINE\r\n\r\n", 400),
    (b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", 400),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: 1\r\n" % i for i in range(120))
     + b"\r\n", 431),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n", 431),
], ids=["bad-request-line", "bad-version", "line-over-gunicorn-limit", "120-headers", "40-KB-header"])
def test_gunicorns_refusals_are_problem_json(server, request_bytes, status):
    got, headers, body = raw_exchange(server, request_bytes)
    assert got == status
    assert headers["Content-Type"] == "application/problem+json"
    problem = orjson.loads(body)
    assert problem["status"] == status and problem["detail"] and problem["title"]
    assert "<html>" not in body.decode()


def test_a_chunked_body_over_the_cap_is_413(server):
    def chunks():
        yield b'{"readings": ['
        for _ in range(CAP // len(OK) + 10):  # just over the cap
            yield OK + b","
        yield OK + b"]}"

    r = requests.post(server.url + "/v1/predict", data=chunks(), headers=J, timeout=30)
    assert_problem(r, 413, f"{CAP:,} bytes")


def test_a_chunked_body_under_the_cap_is_read(server):
    r = requests.post(server.url + "/v1/predict", data=iter([OK[:10], OK[10:]]), headers=J, timeout=30)
    assert r.status_code == 200 and r.json()["predictions"][0]["label"] == "good"


def test_a_gzip_body_is_decoded(server):
    body = orjson.dumps({"readings": [orjson.loads(OK)] * 500})
    r = requests.post(server.url + "/v1/predict", data=gzip.compress(body),
                      headers={**J, "Content-Encoding": "gzip"}, timeout=30)
    assert r.status_code == 200 and len(r.json()["predictions"]) == 500


@pytest.mark.parametrize(("body", "coding", "status", "words"), [
    (OK, "br", 415, "gzip"),
    (b"not gzip at all", "gzip", 400, "not valid gzip"),
    (gzip.compress(OK)[:-12], "gzip", 400, "truncated"),
    (gzip.compress(b" " * (CAP * 50)), "gzip", 413, "once decompressed"),
], ids=["brotli-body", "corrupt-gzip", "truncated-gzip", "gzip-bomb"])
def test_coded_bodies_that_cannot_be_read(server, body, coding, status, words):
    r = requests.post(server.url + "/v1/predict", data=body, headers={**J, "Content-Encoding": coding},
                      timeout=30)
    assert_problem(r, status, words)
    if status == 415:
        assert r.headers["Accept-Encoding"] == "gzip"


def test_204_has_no_content_type(server):
    from tests.server import admin

    weights = {"W1": [[-8.0, 0.3, 12.0], [-0.2, -7.0, 10.0]], "b1": [-9.0, -9.0, 1.0],
               "W2": [[-30.0], [-27.0], [-32.0]], "b2": [15.0]}
    created = requests.post(server.url + "/v1/models", json={"weights": weights}, headers=admin(), timeout=30)
    assert created.status_code == 201
    model_id = created.json()["id"]
    r = requests.delete(f"{server.url}/v1/models/{model_id}", headers=admin(), timeout=10)
    assert r.status_code == 204 and "Content-Type" not in r.headers and r.content == b""


def _predict_count(server, status):
    samples = scrape(requests.get(server.url + "/metrics", timeout=10).text)
    return value(samples, "roastnet_http_requests_total", route="/v1/predict", method="POST",
                 status=str(status))


@pytest.mark.parametrize("cut", ["half-close", "reset"])
def test_a_body_cut_off_mid_way_is_a_400_not_a_500(server, cut):
    # The client promises 38 bytes, waits until gunicorn has handed the request to the app
    # (its "100 Continue"), sends 20 and then closes its side or resets the connection.
    before = (_predict_count(server, 400), _predict_count(server, 500))
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(OK))
        assert s.recv(64).startswith(b"HTTP/1.1 100")
        s.sendall(OK[:20])
        if cut == "reset":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            s.shutdown(socket.SHUT_WR)
    after = until(lambda: (now := (_predict_count(server, 400), _predict_count(server, 500))) != before
                  and now, timeout=20)
    assert after == (before[0] + 1, before[1]), (before, after)  # counted as a 400, never a 500
    assert "unexpected error" not in server.output() and "Traceback" not in server.output()

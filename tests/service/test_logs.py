"""Request ids and JSON request lines, in the app and from the real server."""

import os
import re

import orjson
import pytest
import requests

from service import logs
from tests.server import TOKEN, Server, admin


def test_a_valid_request_id_is_echoed(client):
    r = client.get("/v1/neurons", headers={"X-Request-ID": "roaster-7.batch:42"})
    assert r.headers["X-Request-ID"] == "roaster-7.batch:42"


@pytest.mark.parametrize("given", ["", "has space", "x" * 129, "quote\"", "ünï"])
def test_an_invalid_request_id_is_replaced(client, given):
    r = client.get("/healthz", headers={"X-Request-ID": given})
    made = r.headers["X-Request-ID"]
    assert made != given and re.fullmatch("[0-9a-f]{32}", made)
    assert client.get("/healthz", headers={"X-Request-ID": given}).headers["X-Request-ID"] != made


def test_workers_forked_from_one_process_make_different_request_ids():
    # gunicorn forks its workers from one process; ids drawn there must not repeat in each worker
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        os.write(write, logs._new_id().encode())
        os._exit(0)
    os.waitpid(pid, 0)
    worker = os.read(read, 64).decode()
    os.close(read)
    os.close(write)
    assert re.fullmatch("[0-9a-f]{32}", worker) and worker != logs._new_id()


def test_problems_name_the_request_as_instance(client):
    r = client.post("/v1/predict", data="{", content_type="application/json",
                    headers={"X-Request-ID": "abc-123"})
    assert r.status_code == 400 and r.json["instance"] == "urn:roastnet:request:abc-123"
    r = client.get("/nope")
    assert r.json["instance"] == f"urn:roastnet:request:{r.headers['X-Request-ID']}"


def test_json_logs_one_line_per_request_and_never_a_token_or_body(tmp_path):
    env = {"ROASTNET_LOG_FORMAT": "json", "ROASTNET_ACCESS_LOG": "-"}
    sent = [("POST", "/v1/predict?model=lab", {"readings": [{"temperature": 160, "duration": 13.5}] * 3},
             {}, 200),
            ("GET", "/v1/neurons", None, {}, 200),
            ("POST", "/v1/predict", "secret-body-{", {"Content-Type": "application/json"}, 400),
            ("PUT", "/v1/models/active", {"id": "nope"}, admin(), 404),
            ("GET", "/v1/models/nope", None, {}, 404)]
    with Server(tmp_path / "data", workers=2, env=env) as server:
        ids = []
        for i, (method, path, body, headers, status) in enumerate(sent):
            rid = f"log-test-{i}"
            kw = {"data": body} if isinstance(body, str) else {"json": body}
            r = requests.request(method, server.url + path, headers={**headers, "X-Request-ID": rid},
                                 timeout=10, **kw)
            assert r.status_code == status and r.headers["X-Request-ID"] == rid
            ids.append(rid)
        model_id = requests.get(server.url + "/v1/models/lab", timeout=10).json()["id"]
        server.stop()
        text = server.output()
    lines = [orjson.loads(line) for line in text.splitlines() if line.strip()]  # every line is JSON
    assert any(line["logger"] == "gunicorn.error" for line in lines)  # gunicorn's own lines too
    requests_logged = {line["request_id"]: line for line in lines if line["logger"] == "roastnet.request"}
    assert set(ids) <= set(requests_logged)
    first = requests_logged["log-test-0"]
    assert first["method"] == "POST" and first["route"] == "/v1/predict" and first["status"] == 200
    assert first["model_id"] == model_id and first["readings"] == 3
    assert first["remote_addr"] == "127.0.0.1" and first["duration_ms"] > 0 and first["level"] == "INFO"
    assert requests_logged["log-test-2"]["status"] == 400
    assert requests_logged["log-test-4"]["route"] == "/v1/models/<model_ref:ref>"
    assert TOKEN not in text and "secret-body" not in text

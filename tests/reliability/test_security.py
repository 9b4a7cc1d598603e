"""Security: the admin token never reaches a log line; no debug mode; safe headers."""

import requests

from service.app import create_app
from service.settings import Settings
from tests.server import TOKEN, Server, admin


def test_the_token_never_reaches_the_logs(tmp_path):
    env = {"ROASTNET_ACCESS_LOG": "-", "ROASTNET_LOG_LEVEL": "DEBUG"}
    with Server(tmp_path / "data", workers=2, env=env, trainer=True) as server:
        url = server.url
        requests.post(f"{url}/v1/retrain", json={"seeds": [1]}, headers={**admin(), "Prefer": "wait=30"},
                      timeout=30)
        requests.put(f"{url}/v1/models/active", json={"id": "nope"}, headers=admin(), timeout=5)
        requests.post(f"{url}/v1/retrain", json={"seeds": "x"}, headers=admin(), timeout=5)
        wrong = TOKEN[::-1]
        requests.delete(f"{url}/v1/models/lab", headers={"Authorization": f"Bearer {wrong}"}, timeout=5)
        requests.get(f"{url}/v1/models", headers=admin(), timeout=5)
        log = server.output()
    assert '"POST /v1/retrain HTTP/1.1" 201' in log  # the access log was on, the job ran
    assert TOKEN not in log and wrong not in log


def test_no_debug_mode(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, admin_token=TOKEN))
    assert app.debug is False and app.testing is False
    assert not app.config["PROPAGATE_EXCEPTIONS"]


def test_safe_headers_on_every_answer(tmp_path):
    client = create_app(Settings(data_dir=tmp_path, admin_token=TOKEN)).test_client()
    for response in (client.get("/v1/neurons"), client.get("/nope"),
                     client.post("/v1/predict", data="x", content_type="application/json"),
                     client.post("/v1/retrain", json={"seeds": [1]})):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] in ("no-cache", "no-store")
    assert client.get("/v1/models").headers["Cache-Control"] == "no-cache"
    assert client.post("/v1/retrain", json={}).headers["Cache-Control"] == "no-store"

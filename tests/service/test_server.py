"""End to end: gunicorn with 2 workers on 127.0.0.1, every endpoint over real HTTP."""

import pytest
import requests
import yaml

from tests.server import Server, admin


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with Server(tmp_path_factory.mktemp("e2e") / "data", workers=2, trainer=True) as s:
        yield s


def test_every_endpoint(server):
    url = server.url
    assert requests.get(f"{url}/healthz", timeout=5).json() == {"status": "ok"}
    ready = requests.get(f"{url}/readyz", timeout=5).json()
    spec = yaml.safe_load(requests.get(f"{url}/openapi.yaml", timeout=5).text)
    assert "/v1/predict" in spec["paths"]

    r = requests.post(f"{url}/v1/predict?model=lab", json={"temperature": 160, "duration": 13.5}, timeout=5)
    assert r.status_code == 200
    [p] = r.json()["predictions"]
    assert p["label"] == "bad" and p["fired"][0]["region"] == "temperature_too_low"

    r = requests.post(f"{url}/v1/explain?model=lab",
                      json={"readings": [{"temperature": 230, "duration": 14.5},
                                         {"temperature": 220, "duration": 11.8}]}, timeout=5)
    assert [e["fired"][0]["region"] for e in r.json()["predictions"]] == [
        "too_hot_for_too_long", "duration_too_short"]

    assert len(requests.get(f"{url}/v1/neurons", timeout=5).json()["neurons"]) == 3
    assert len(requests.get(f"{url}/v1/maps?resolution=10", timeout=5).json()["probability"]) == 10
    assert len(requests.get(f"{url}/v1/dataset", timeout=5).json()["samples"]) == 200
    models = requests.get(f"{url}/v1/models", timeout=5).json()
    assert {m["name"] for m in models["models"]} >= {"default", "lab"}
    detail = requests.get(f"{url}/v1/models/default", timeout=5).json()
    assert detail["id"] == ready["active_model"] and detail["active"]

    r = requests.post(f"{url}/v1/retrain", json={"seeds": [5, 6]}, headers=admin(), timeout=30)
    assert r.status_code == 202 and r.headers["Location"] == f"/v1/jobs/{r.json()['id']}"
    job = requests.get(f"{url}{r.headers['Location']}", headers={"Prefer": "wait=30"}, timeout=30).json()
    while job["status"] in ("queued", "running"):
        job = requests.get(f"{url}{r.headers['Location']}", timeout=30).json()
    assert job["status"] == "succeeded" and len(job["result"]["models"]) == 2
    new_id = job["result"]["models"][0]["id"]
    r = requests.post(f"{url}/v1/models", json={"name": "lab-copy", "weights": {
        "W1": [[-8.94, 0.29, 12.89], [-0.17, -7.34, 10.79]], "b1": [-9.87, -9.28, 1.01],
        "W2": [[-31.38], [-27.86], [-32.79]], "b2": [15.54]}}, headers=admin(), timeout=5)
    assert r.status_code == 200 and r.json()["name"] == "lab"  # the same weights: already stored
    assert requests.put(f"{url}/v1/models/active", json={"id": new_id}, headers=admin(),
                        timeout=5).status_code == 200
    assert requests.delete(f"{url}/v1/models/{new_id}", headers=admin(), timeout=5).status_code == 409
    assert requests.put(f"{url}/v1/models/active", json={"id": "default"}, headers=admin(),
                        timeout=5).status_code == 200
    assert requests.delete(f"{url}/v1/models/{new_id}", headers=admin(), timeout=5).status_code == 204
    assert requests.get(f"{url}/v1/models/{new_id}", timeout=5).status_code == 404


def test_bad_input_over_http(server):
    r = requests.post(f"{server.url}/v1/predict", data=b"{", headers={"Content-Type": "application/json"},
                      timeout=5)
    assert r.status_code == 400 and r.headers["Content-Type"] == "application/problem+json"
    assert requests.get(f"{server.url}/readyz", timeout=5).status_code == 200

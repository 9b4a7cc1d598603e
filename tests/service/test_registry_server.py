"""The registry on a real gunicorn with 4 workers: retrain, activation seen by every worker, restart."""

from concurrent.futures import ThreadPoolExecutor

import requests

from tests.server import Server, admin


def spread(fn, *args, n=60):
    """Call fn(*args) n times from 8 threads at once, so that every worker takes a share."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda _: fn(*args), range(n)))


def fresh_get(url):
    # A new connection each time, so the requests spread over the workers.
    with requests.Session() as s:
        return s.get(url, timeout=10)


def fresh_post(url, body):
    with requests.Session() as s:
        return s.post(url, json=body, timeout=10)


def test_retrain_activate_restart(tmp_path):
    data = tmp_path / "data"
    with Server(data, workers=4, trainer=True) as server:
        url = server.url
        r = requests.post(f"{url}/v1/retrain", json={"seeds": list(range(8))},
                          headers={**admin(), "Prefer": "wait=30"}, timeout=60)
        assert r.status_code == 201 and r.json()["status"] == "succeeded"
        body = r.json()["result"]
        ids = [m["id"] for m in body["models"]]
        assert len(set(ids)) == 8 and all(m["created"] for m in body["models"])
        assert len(body["comparison"]["seeds"]) == 8
        assert 0 < body["comparison"]["coverage_rate"] <= 1

        again = requests.post(f"{url}/v1/retrain", json={"seeds": [3]},
                              headers={**admin(), "Prefer": "wait=30"}, timeout=60).json()["result"]
        assert again["models"][0] == {**again["models"][0], "id": ids[3], "created": False}

        # Warm every worker on the old active model first, so a stale cache would show.
        reading = {"temperature": 200, "duration": 13.9}
        assert {r.json()["model_id"] for r in spread(fresh_post, f"{url}/v1/predict", reading)} != {ids[5]}
        assert requests.put(f"{url}/v1/models/active", json={"id": ids[5]}, headers=admin(),
                            timeout=10).status_code == 200
        answers = spread(fresh_post, f"{url}/v1/predict", reading)
        assert [r.json()["model_id"] for r in answers] == [ids[5]] * 60

        assert requests.delete(f"{url}/v1/models/{ids[5]}", headers=admin(), timeout=10).status_code == 409
        assert requests.delete(f"{url}/v1/models/{ids[7]}", headers=admin(), timeout=10).status_code == 204
        assert {r.status_code for r in spread(fresh_get, f"{url}/v1/models/{ids[7]}", n=24)} == {404}
        listed = fresh_get(f"{url}/v1/models?limit=500").json()

    with Server(data, workers=4, trainer=True) as server:
        assert fresh_get(f"{server.url}/readyz").json()["active_model"] == ids[5]
        after = fresh_get(f"{server.url}/v1/models?limit=500").json()
        assert after == listed and after["total"] == 2 + 7
        jobs = fresh_get(f"{server.url}/v1/jobs").json()
        assert jobs["total"] == 2 and {j["status"] for j in jobs["jobs"]} == {"succeeded"}
        assert jobs["jobs"][1]["result"] == body  # a finished job and its models survive a restart
        for model in after["models"]:
            assert fresh_get(f"{server.url}/v1/models/{model['id']}").status_code == 200


def test_reads_need_no_token_and_admin_calls_do(tmp_path):
    with Server(tmp_path / "data", workers=2) as server:
        for path in ("/v1/neurons", "/v1/models", "/v1/models/default", "/v1/dataset", "/readyz"):
            assert requests.get(server.url + path, timeout=10).status_code == 200
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            r = requests.post(f"{server.url}/v1/retrain", json={"seeds": [1]}, headers=headers, timeout=10)
            assert r.status_code == 401

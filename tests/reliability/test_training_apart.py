"""Predictions never wait for training: /v1/predict under load while the largest allowed job trains."""

import time

import requests

from tests.reliability.load import run_load
from tests.server import Server, admin

BODY = b'{"temperature": 200, "duration": 13.9}'
LARGEST = {"seeds": list(range(5000, 5064)), "hidden_units": 8, "steps": 19_531}  # 64 × 8 × 200 × 19,531


def test_predictions_do_not_wait_for_a_training_job(tmp_path):
    with Server(tmp_path / "data", workers=4, trainer=True) as server:
        models = requests.get(f"{server.url}/v1/models", timeout=5).json()["total"]
        r = requests.post(f"{server.url}/v1/retrain", json=LARGEST, headers=admin(), timeout=10)
        assert r.status_code == 202
        job_url = server.url + r.headers["Location"]
        deadline = time.monotonic() + 30
        while requests.get(job_url, timeout=5).json()["progress"]["step"] == 0:
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.05)

        result = run_load(f"{server.url}/v1/predict", BODY, connections=16, seconds=5)
        job = requests.get(job_url, timeout=5).json()
        assert job["status"] == "running", job["status"]  # the load ran while the job trained
        cancelled = requests.delete(job_url, headers=admin(), timeout=5).json()
        assert cancelled["status"] == "cancelled"
        assert requests.get(f"{server.url}/v1/models", timeout=5).json()["total"] == models

    assert result.errors == 0 and result.non_2xx == 0, result.statuses
    assert result.p(0.99) < 1.0, f"p99 {result.p(0.99):.3f} s"
    print(f"predict while the largest job trains: {result.total} requests, "
          f"p50 {result.p(0.5) * 1e3:.1f} ms, p99 {result.p(0.99) * 1e3:.1f} ms; "
          f"job at step {job['progress']['step']:,} of {job['progress']['steps']:,}")

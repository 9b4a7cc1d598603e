"""The trainer under faults: killed under `roastnet serve` (restarted), stopped mid-job (job put back)."""

import os
import signal
import subprocess
from pathlib import Path

import requests

from tests.server import ROOT, SERVE_ONLY, TRAINER, Server, admin, until

LONG = {"seeds": list(range(700, 740)), "steps": 20_000}  # several seconds of training




def _trainer_pid(server: Server) -> int | None:
    for pid in server.descendants():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"trainer" in cmdline:
            return pid
    return None


def test_serve_restarts_a_trainer_that_dies(tmp_path):
    with Server(tmp_path / "data", workers=2, trainer=True) as server:
        first = until(lambda: _trainer_pid(server))
        os.kill(first, signal.SIGKILL)
        second = until(lambda: (pid := _trainer_pid(server)) not in (None, first) and pid)
        r = requests.post(f"{server.url}/v1/retrain", json={"seeds": [1]},
                          headers={**admin(), "Prefer": "wait=30"}, timeout=40)
        assert r.status_code == 201 and r.json()["status"] == "succeeded"
        assert _trainer_pid(server) == second
        assert "restarting it" in server.output()


def test_a_stopping_trainer_puts_its_job_back(tmp_path):
    data = tmp_path / "data"
    with Server(data, workers=2, cmd=SERVE_ONLY) as server:
        env = {**server.env}
        log = open(tmp_path / "trainer.log", "ab")  # noqa: SIM115 - closed below
        try:
            first = subprocess.Popen(TRAINER, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            job = requests.post(f"{server.url}/v1/retrain", json=LONG, headers=admin(), timeout=10).json()
            url = f"{server.url}/v1/jobs/{job['id']}"
            until(lambda: requests.get(url, timeout=5).json()["progress"]["step"] > 0)
            models = requests.get(f"{server.url}/v1/models", timeout=5).json()["total"]
            first.send_signal(signal.SIGTERM)
            assert first.wait(30) == 0
            back = requests.get(url, timeout=5).json()
            assert back["status"] == "queued" and back["attempts"] == 0
            assert requests.get(f"{server.url}/v1/models", timeout=5).json()["total"] == models
            second = subprocess.Popen(TRAINER, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                done = until(lambda: (j := requests.get(url, timeout=5).json())["status"] == "succeeded"
                             and j, timeout=120)
                assert done["attempts"] == 1
                assert requests.get(f"{server.url}/v1/models", timeout=5).json()["total"] == models + 40
            finally:
                second.send_signal(signal.SIGTERM)
                second.wait(30)
        finally:
            log.close()

"""Scaled out: two API replicas and two trainers on one PostgreSQL registry and one Redis queue."""

import os
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests

from service.jobs import JobQueue
from service.settings import Settings
from tests.server import ROOT, SERVE_ONLY, TOKEN, TRAINER, Server, admin
from tests.server import until as wait_until
from tests.stores import REDIS_URL, pg_database, redis_prefix

BODY = b'{"temperature": 200, "duration": 13.9}'
J = {"Content-Type": "application/json"}


def until(check, timeout=90.0, every=0.05):
    return wait_until(check, timeout, every)


@pytest.fixture
def cluster(tmp_path):
    """Environment shared by every process: one fresh database, one queue of its own in Redis."""
    with pg_database() as url:
        env = {"ROASTNET_DATABASE_URL": url, "ROASTNET_QUEUE_URL": REDIS_URL,
               "ROASTNET_QUEUE_NAME": redis_prefix(), "ROASTNET_JOB_LEASE_SECONDS": "2",
               "ROASTNET_ADMIN_TOKEN": TOKEN}
        started: list = []
        try:
            yield env, started
        finally:
            for thing in reversed(started):
                thing.stop() if isinstance(thing, Server) else _stop(thing)
            JobQueue(Settings(queue_url=REDIS_URL, queue_name=env["ROASTNET_QUEUE_NAME"])).huey.flush()


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.log.close()


def trainer(env, started, tmp_path, n):
    log = open(tmp_path / f"trainer-{n}.log", "ab")  # noqa: SIM115 - closed by _stop
    proc = subprocess.Popen(TRAINER, cwd=ROOT, env={**os.environ, **env}, stdout=log,
                            stderr=subprocess.STDOUT)
    proc.log = log
    started.append(proc)
    return proc


def replica(env, started, tmp_path, name):
    server = Server(tmp_path / name, workers=2, env=env, cmd=SERVE_ONLY)
    started.append(server)
    return server.start()


def jobs_table(url, sql, params=()):
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def test_replicas_and_trainers_share_one_registry(cluster, tmp_path):
    env, started = cluster
    a, b = replica(env, started, tmp_path, "a"), replica(env, started, tmp_path, "b")
    t1, t2 = trainer(env, started, tmp_path, 1), trainer(env, started, tmp_path, 2)

    # 8 jobs submitted across both replicas all finish, each exactly once.
    def submit(i):
        server = (a, b)[i % 2]
        return requests.post(f"{server.url}/v1/retrain", json={"seeds": [10 * i, 10 * i + 1]},
                             headers=admin(), timeout=10).json()["id"]

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(submit, range(8)))
    until(lambda: requests.get(f"{b.url}/v1/jobs?status=succeeded", timeout=5).json()["total"] == 8)
    jobs = requests.get(f"{a.url}/v1/jobs", timeout=5).json()["jobs"]
    assert sorted(j["id"] for j in jobs) == sorted(ids) and {j["attempts"] for j in jobs} == {1}
    ran = jobs_table(env["ROASTNET_DATABASE_URL"], "SELECT trainer FROM jobs")
    assert requests.get(f"{a.url}/v1/models", timeout=5).json()["total"] == 2 + 16
    model_id = jobs[0]["result"]["models"][0]["id"]

    # An activation on A is what B answers with on its very next requests (fresh connections).
    assert requests.put(f"{a.url}/v1/models/active", json={"id": model_id}, headers=admin(),
                        timeout=5).status_code == 200
    seen = {requests.post(f"{b.url}/v1/predict", data=BODY, headers=J, timeout=5).json()["model_id"]
            for _ in range(20)}
    assert seen == {model_id}

    # kill -9 the trainer running a job: the other trainer runs it again; no partial model.
    before = requests.get(f"{a.url}/v1/models", timeout=5).json()["total"]
    job = requests.post(f"{a.url}/v1/retrain", json={"seeds": list(range(500, 540)), "steps": 20_000},
                        headers=admin(), timeout=10).json()
    job_url = f"{b.url}/v1/jobs/{job['id']}"
    until(lambda: requests.get(job_url, timeout=5).json()["progress"]["step"] > 0)
    [(owner,)] = jobs_table(env["ROASTNET_DATABASE_URL"], "SELECT trainer FROM jobs WHERE id = %s",
                            (job["id"],))
    victim = t1 if owner.endswith(f":{t1.pid}") else t2
    victim.kill()
    victim.wait(10)
    assert requests.get(f"{a.url}/v1/models", timeout=5).json()["total"] == before
    done = until(lambda: (j := requests.get(job_url, timeout=5).json())["status"] == "succeeded" and j)
    assert done["attempts"] == 2
    assert requests.get(f"{a.url}/v1/models", timeout=5).json()["total"] == before + 40

    # kill -9 an API replica: the other keeps serving.
    a.kill()
    assert requests.post(f"{b.url}/v1/predict", data=BODY, headers=J, timeout=5).status_code == 200

    # Restart everything: every succeeded job and its models are there.
    b.stop()
    c = replica(env, started, tmp_path, "c")
    listed = requests.get(f"{c.url}/v1/jobs?status=succeeded", timeout=5).json()
    assert listed["total"] == 9
    assert requests.get(f"{c.url}/v1/models", timeout=5).json()["total"] == before + 40
    assert requests.get(f"{c.url}/readyz", timeout=5).json()["active_model"] == model_id
    print(f"scaled out: 8 jobs over 2 replicas ran once each on trainers {sorted({r[0] for r in ran})}; "
          f"a killed trainer's job ran again (attempt 2) with all 40 models")

"""Faults: killed workers, a killed server mid-retrain, corrupt rows, an unwritable data directory, races."""

import contextlib
import os
import select
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.reliability.load import run_load
from tests.server import ROOT, Server, admin, established, until

BODY = b'{"temperature": 200, "duration": 13.9}'


def _sockets(pid: int) -> set[str]:
    """Return the socket inodes a process holds open."""
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            link = os.readlink(fd)
            if link.startswith("socket:"):
                found.add(link)
    return found


def _kill_mid_request(pid: int, idle: set[str], before_kill=lambda: None) -> bool:
    """Freeze the worker; kill it if it holds a client connection (a socket it did not hold
    idle), else let it run on. Return whether it was killed."""
    os.kill(pid, signal.SIGSTOP)
    if _sockets(pid) - idle:
        before_kill()
        os.kill(pid, signal.SIGKILL)
        return True
    os.kill(pid, signal.SIGCONT)
    return False


def test_killing_a_worker_under_load_loses_at_most_its_request(tmp_path):
    with Server(tmp_path / "data", workers=4) as server:
        before = server.worker_pids()
        victim = before[1]
        idle = _sockets(victim)  # the listening socket, shared by every worker
        held = []  # the connections the victim takes down with it
        with ThreadPoolExecutor(1) as pool:
            load = pool.submit(run_load, f"{server.url}/v1/predict", BODY, connections=8, seconds=8)
            # The kill lands while the victim holds a request (frozen there, then killed).
            until(lambda: _kill_mid_request(victim, idle, lambda: held.append(
                established(victim, server.port))), timeout=8, every=0.001)
            assert not load.done()  # the load goes on past the kill
            result = load.result()
        until(lambda: len(server.worker_pids()) == 4 and victim not in server.worker_pids(), 20)
        assert requests.get(f"{server.url}/readyz", timeout=5).status_code == 200
    # A worker holds a few connections at a time (its threads' requests and those waiting for a
    # thread): those may fail, no other.
    assert result.errors + result.non_2xx <= max(1, held[0]), (held, result.statuses, result.errors)
    assert result.ok > 100
    print(f"worker kill: {result.total} requests, {result.errors + result.non_2xx} failed, replaced")


def _table(db_path, sql):
    with sqlite3.connect(db_path) as db:
        return db.execute(sql).fetchall()


def _until_succeeded(job_url: str, stall: float = 60.0) -> None:
    """Wait while the job makes progress (a busy machine trains slowly); fail once it stalls."""
    last = {"state": None, "since": time.monotonic()}

    def done_or_stalled():
        job = requests.get(job_url, timeout=5).json()
        state = (job["status"], job["attempts"], job["progress"]["seeds_done"], job["progress"]["step"])
        if state != last["state"]:
            last.update(state=state, since=time.monotonic())
        return job["status"] == "succeeded" or time.monotonic() - last["since"] > stall

    until(done_or_stalled, 1800, every=0.1)
    assert last["state"][0] == "succeeded", f"the job made no progress for {stall} s: {last['state']}"


def test_killing_the_server_mid_retrain_leaves_no_half_model(tmp_path):
    data = tmp_path / "data"
    lease = {"ROASTNET_JOB_LEASE_SECONDS": "2"}
    server = Server(data, workers=2, trainer=True, env=lease).start()
    active = requests.get(f"{server.url}/readyz", timeout=5).json()["active_model"]
    before = _table(data / "registry.sqlite3", "SELECT id FROM models")
    job = requests.post(f"{server.url}/v1/retrain", headers=admin(), timeout=10,
                        json={"seeds": list(range(100, 164)), "steps": 12_000}).json()
    job_url = f"{server.url}/v1/jobs/{job['id']}"
    # 64 seeds × 12,000 steps take several seconds: kill everything once training is under way.
    until(lambda: requests.get(job_url, timeout=5).json()["progress"]["step"] > 0, 20)
    server.kill()

    db = data / "registry.sqlite3"
    assert _table(db, "PRAGMA integrity_check") == [("ok",)]
    # the kill landed mid-job: its row says running, under way, not one seed stored
    [(status, step, seeds_done, attempts)] = _table(
        db, f"SELECT status, step, seeds_done, attempts FROM jobs WHERE id = '{job['id']}'")
    assert (status, seeds_done, attempts) == ("running", 0, 1) and step > 0
    after = _table(db, "SELECT id FROM models")
    assert len(after) in (len(before), len(before) + 64)  # all 64 or none
    with Server(data, workers=2, trainer=True, env=lease) as again:
        # The dead trainer's lease runs out; the new trainer runs the job again, to the end.
        job_url = f"{again.url}/v1/jobs/{job['id']}"
        _until_succeeded(job_url)
        assert requests.get(job_url, timeout=5).json()["attempts"] == 2
        assert requests.get(f"{again.url}/readyz", timeout=5).json()["active_model"] == active
        listed = requests.get(f"{again.url}/v1/models?limit=500", timeout=5).json()
        assert all(m["usable"] for m in listed["models"])
        for m in listed["models"]:
            assert requests.get(f"{again.url}/v1/models/{m['id']}", timeout=5).status_code == 200
        r = requests.post(f"{again.url}/v1/predict", data=BODY, headers={"Content-Type": "application/json"},
                          timeout=5)
        assert r.status_code == 200 and r.json()["model_id"] == active
    stored = len(after) - len(before)
    assert len(_table(db, "SELECT id FROM models")) == len(before) + 64
    print(f"server kill mid-retrain: {stored} of 64 stored at the kill (whole or nothing), "
          "integrity ok; the job ran again to the end")


WRITER = """
import sys, threading
from model.train import Recipe, train
from service.registry.sqlite import SqliteRegistry as Registry
from service.training import as_new_model

reg = Registry(sys.argv[1])
stop_at, rows = int(sys.argv[2]), [0]

def trace(statement):
    # Announce the chosen row of the inserts from inside the transaction, then hold still there.
    if statement.startswith("INSERT INTO models"):
        rows[0] += 1
        if rows[0] == stop_at:
            print("mid-write", rows[0], flush=True)
            threading.Event().wait()

reg._conn().set_trace_callback(trace)
print("open", flush=True)
batch = 0
while True:
    models = [as_new_model(train(Recipe(seed=batch * 64 + i, steps=5))) for i in range(64)]
    reg.add(models)
    batch += 1
    print("stored", batch, flush=True)
"""


@pytest.mark.parametrize("row", [1, 64 + 33, 3 * 64])
def test_a_writer_killed_mid_write_stores_whole_batches(tmp_path, row):
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(row)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines = []
    while not lines or lines[-1].startswith((b"open", b"stored")):
        ready, _, _ = select.select([proc.stdout], [], [], 120)
        assert ready, (lines, proc.poll())
        lines.append(proc.stdout.readline())
    proc.kill()  # inside the transaction: the writer said so and waits there
    proc.wait(10)
    proc.stdout.close()
    proc.stderr.close()
    assert lines[-1] == f"mid-write {row}\n".encode(), lines
    db = tmp_path / "registry.sqlite3"
    assert _table(db, "PRAGMA integrity_check") == [("ok",)]
    count = _table(db, "SELECT count(*) FROM models")[0][0]
    whole = (row - 1) // 64
    assert count == 64 * whole and lines.count(b"stored %d\n" % whole) == (whole > 0)


def _corrupt(db, name, weights):
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE models SET weights = ? WHERE name = ?", (weights, name))


NORM = '"normalization": {"mean": [0, 0], "std": [1, 1]}'


@pytest.mark.parametrize(("weights", "words"), [
    ("{not json", "unusable"),
    ('{"W1": [[1, 2]], "b1": [0], "W2": [[1]], "b2": [0], ' + NORM + "}", "W1 must have shape"),
    ('{"W1": [[1], [2]], "b1": [NaN], "W2": [[1]], "b2": [0], ' + NORM + "}", "unusable"),
])
def test_a_corrupt_model_is_reported_and_the_rest_serve(tmp_path, weights, words):
    data = tmp_path / "data"
    with Server(data, workers=2) as server:
        lab_id = requests.get(f"{server.url}/v1/models/lab", timeout=5).json()["id"]
    _corrupt(data / "registry.sqlite3", "lab", weights)
    with Server(data, workers=2) as server:
        for path in (f"/v1/models/{lab_id}", "/v1/neurons?model=lab"):
            r = requests.get(server.url + path, timeout=5)
            assert r.status_code == 409 and r.headers["Content-Type"] == "application/problem+json"
            assert lab_id in r.json()["detail"] and words in r.json()["detail"]
        r = requests.post(f"{server.url}/v1/predict?model=lab", data=BODY,
                          headers={"Content-Type": "application/json"}, timeout=5)
        assert r.status_code == 409
        listed = {m["id"]: m for m in requests.get(f"{server.url}/v1/models", timeout=5).json()["models"]}
        assert listed[lab_id]["usable"] is False and lab_id in listed[lab_id]["problem"]
        r = requests.post(f"{server.url}/v1/predict", data=BODY, headers={"Content-Type": "application/json"},
                          timeout=5)
        assert r.status_code == 200
        assert requests.put(f"{server.url}/v1/models/active", json={"id": "lab"}, headers=admin(),
                            timeout=5).status_code == 409
        log = server.output()
    assert f"model {lab_id} (lab) is stored but unusable" in log
    assert "Traceback" not in log


def test_a_corrupt_active_model_falls_back_to_default(tmp_path):
    data = tmp_path / "data"
    with Server(data, workers=2) as server:
        default_id = requests.get(f"{server.url}/readyz", timeout=5).json()["active_model"]
        requests.put(f"{server.url}/v1/models/active", json={"id": "lab"}, headers=admin(), timeout=5)
    _corrupt(data / "registry.sqlite3", "lab", "garbage")
    with Server(data, workers=2) as server:
        assert requests.get(f"{server.url}/readyz", timeout=5).json()["active_model"] == default_id
        log = server.output()
    assert "does not load" in log and f"falling back to {default_id}" in log


GRANIAN = [sys.executable, "-m", "service.granian_server"]  # as `roastnet serve --server granian` starts it


def _unprivileged():
    """Run the server as nobody when we are root (root ignores file permissions)."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]


@pytest.mark.parametrize(("case", "server_name"), [
    ("read-only", "gunicorn"), ("missing-permissions", "gunicorn"), ("read-only", "granian")])
def test_an_unwritable_data_directory_is_a_clear_start_up_error(case, server_name):
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        os.chmod(tmp, 0o755)
        if case == "read-only":
            data = Path(tmp) / "data"
            data.mkdir(mode=0o555)
            expected = f"cannot start: the data directory {data} is not writable: Permission denied"
        else:  # a parent the server's user may not enter
            locked = Path(tmp) / "locked"
            locked.mkdir(mode=0o700 if os.geteuid() == 0 else 0o000)
            data = locked / "data"
            expected = f"cannot start: cannot create the data directory {data}: Permission denied"
        server = Server(data, workers=2, cmd=GRANIAN if server_name == "granian" else None)
        server.log_path = Path(tmp) / "server.log"
        server.cmd = _unprivileged() + server.cmd
        server.start(expect_ready=False)
        try:
            code = server.proc.wait(30)
        finally:
            server.stop()
        log = server.output()
        if case != "read-only":
            os.chmod(Path(tmp) / "locked", 0o700)  # so that the temporary directory can go
        assert code == 4  # the CLI's "cannot start"
        assert expected in log, log
        assert "Traceback" not in log


def test_racing_retrains_and_an_activation_lose_nothing(tmp_path):
    with Server(tmp_path / "data", workers=4, trainer=True) as server:
        url = server.url

        def retrain(seeds):
            return requests.post(f"{url}/v1/retrain", json={"seeds": seeds},
                                 headers={**admin(), "Prefer": "wait=30"}, timeout=60)

        def running():
            return requests.get(f"{url}/v1/jobs?status=running", timeout=5).json()["jobs"]

        def activate():
            until(running, 30, every=0.005)  # a retrain is under way when the activation comes
            return requests.put(f"{url}/v1/models/active", json={"id": "lab"}, headers=admin(), timeout=60)

        with ThreadPoolExecutor(3) as pool:
            a = pool.submit(retrain, list(range(300, 316)))
            b = pool.submit(retrain, list(range(400, 416)))
            c = pool.submit(activate)
            responses = [a.result(), b.result(), c.result()]
        # a busy machine may not finish a retrain within Prefer: wait=30 (202): wait on its job
        assert [r.status_code for r in responses[:2]] in ([201, 201], [201, 202], [202, 201], [202, 202])
        assert responses[2].status_code == 200
        assert not any("locked" in r.text for r in responses)
        jobs = [f"{url}/v1/jobs/{r.json()['id']}" for r in responses[:2]]
        for job_url in jobs:
            _until_succeeded(job_url)
        results = [requests.get(job_url, timeout=5).json()["result"] for job_url in jobs]
        ids = {m["id"] for result in results for m in result["models"]}
        listed = {m["id"] for m in requests.get(f"{url}/v1/models?limit=500", timeout=5).json()["models"]}
        assert len(ids) == 32 and ids <= listed and len(listed) == 34
        assert requests.get(f"{url}/readyz", timeout=5).json()["active_model"] == responses[2].json()["id"]
        assert "locked" not in server.output()

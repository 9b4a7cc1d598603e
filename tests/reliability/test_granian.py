"""`roastnet serve --server granian`: the same app under granian, over real sockets.

The probabilities are held to the lab's forward pass written from its published weights
(tests/reference.py), so the answer is right under this server and not only alike under both.
"""

import http.client
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import requests

from model.network import lab_network
from tests import reference
from tests.server import SERVE_ONLY, Server

J = {"Content-Type": "application/json"}
WORKERS = 2
READINGS = [(200.0, 13.9), (260.0, 13.9), (160.0, 12.0), (230.5, 15.25), (175.0, 14.5)]


def granian(tmp_path: Path) -> Server:
    return Server(tmp_path / "data", workers=WORKERS, cmd=[*SERVE_ONLY, "--server", "granian"])


def test_answers_right_over_one_kept_alive_connection(tmp_path):
    with granian(tmp_path) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        ports, got = set(), []
        for t, d in READINGS * 4:
            conn.request("POST", "/v1/predict?model=lab", json.dumps({"temperature": t, "duration": d}), J)
            r = conn.getresponse()
            assert r.status == 200, r.read()
            assert r.getheader("Server") == "granian"
            got.append(json.loads(r.read())["predictions"][0]["probability"])
            ports.add(conn.sock.getsockname()[1])
        conn.close()
    assert len(ports) == 1  # one client socket throughout: the server kept it alive
    t, d = np.array(READINGS * 4).T
    np.testing.assert_allclose(got, reference.proba(lab_network(), t, d), rtol=0, atol=1e-12)


def test_bad_input_is_the_apps_problem_json_and_metrics_count_every_worker(tmp_path):
    with granian(tmp_path) as server:
        bad = requests.post(server.url + "/v1/predict", json={"temperature": 200}, timeout=10)
        assert bad.status_code == 422
        assert bad.headers["Content-Type"] == "application/problem+json"
        assert "duration" in bad.json()["detail"]
        with requests.Session() as one, requests.Session() as other:  # two connections
            for session in (one, other) * 15:
                assert session.post(server.url + "/v1/predict", json={"temperature": 200, "duration": 13.9},
                                    timeout=10).status_code == 200
        text = requests.get(server.url + "/metrics", timeout=10).text
    # Whichever worker answered, every answer is counted once in the one scrape.
    line = next(x for x in text.splitlines()
                if x.startswith("roastnet_http_requests_total{") and 'route="/v1/predict"' in x
                and 'status="200"' in x)
    assert float(line.rsplit(" ", 1)[1]) == 30


def test_sigterm_stops_it_and_removes_the_metrics_directory(tmp_path):
    server = granian(tmp_path).start()
    try:
        pid = server.proc.pid  # `serve --no-trainer` becomes the granian process itself
        made = list(Path("/dev/shm").glob(f"roastnet-metrics-{pid}-*")) or \
            list(Path("/tmp").glob(f"roastnet-metrics-{pid}-*"))
        assert len(made) == 1 and made[0].is_dir()
        # Ready means one worker answers. granian loses a stop sent to a worker still loading the
        # app and kills it only after workers_kill_timeout (30 s), so wait for every one to start.
        deadline = time.monotonic() + 30
        while server.output().count("Started worker-") < WORKERS and time.monotonic() < deadline:
            time.sleep(0.05)
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(20) == 0, server.output()[-3000:]
        assert not made[0].exists()
    finally:
        server.stop()  # nothing outlives the test, whatever failed


def test_an_unknown_server_is_refused_before_anything_starts():
    done = subprocess.run([sys.executable, "-m", "service.cli", "serve", "--server", "uwsgi"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "invalid choice: 'uwsgi'" in done.stderr

"""GET /metrics: real Prometheus text, parsed with prometheus_client's parser, against hand counts."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.server import Server


def scrape(text: str) -> dict[tuple, float]:
    """Return {(sample name, sorted labels): value} from Prometheus text."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: dict, metric: str, **labels) -> float:
    return samples.get((metric, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_this_apps_answers(client):
    before = scrape(client.get("/metrics").get_data(as_text=True))
    client.post("/v1/predict?model=lab", json={"readings": [{"temperature": 160, "duration": 13.5},
                                                           {"temperature": 200, "duration": 13.9}]})
    client.get("/v1/neurons")
    assert client.open("/v1/neurons", method="BREW").status_code == 405
    r = client.get("/metrics")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    after = scrape(r.get_data(as_text=True))
    lab = client.get("/v1/models/lab").json["id"]

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("roastnet_http_requests_total", route="/v1/predict", method="POST", status="200") == 1
    assert delta("roastnet_http_requests_total", route="/v1/neurons", method="GET", status="200") == 1
    assert delta("roastnet_http_requests_total", route="unmatched", method="other", status="405") == 1
    assert delta("roastnet_predictions_total", verdict="bad", model=lab) == 1
    assert delta("roastnet_predictions_total", verdict="good", model=lab) == 1
    assert delta("roastnet_fired_units_total", region="temperature_too_low", model=lab) == 1
    assert value(after, "roastnet_registry_models") == 2
    assert value(after, "process_resident_memory_bytes", pid=str(os.getpid())) > 0


def test_metrics_can_be_turned_off(tmp_path):
    from tests.service.conftest import make_app

    client = make_app(tmp_path / "data", metrics=False).test_client()
    assert client.get("/metrics").status_code == 404


# (method, path, JSON body, expected status, good readings, bad readings): labels by hand, lab model
LAB_GOOD = {"temperature": 200, "duration": 13.9}  # 0.963 in the lab's notebook
LAB_BAD = {"temperature": 200, "duration": 17}  # 3.03e-08
MIX = ([("POST", "/v1/predict?model=lab", LAB_GOOD, 200, 1, 0)] * 9
       + [("POST", "/v1/predict?model=lab", LAB_BAD, 200, 0, 1)] * 6
       + [("POST", "/v1/predict?model=lab", {"readings": [LAB_GOOD] * 3 + [LAB_BAD] * 7}, 200, 3, 7)] * 4
       + [("POST", "/v1/explain?model=lab", {"readings": [LAB_GOOD, LAB_BAD]}, 200, 1, 1)] * 3
       + [("GET", "/v1/neurons", None, 200, 0, 0)] * 5
       + [("POST", "/v1/predict", "{", 400, 0, 0)] * 4
       + [("GET", "/v1/models/nope", None, 404, 0, 0)] * 2
       + [("GET", "/no/such/path", None, 404, 0, 0)] * 3)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with Server(tmp_path_factory.mktemp("metrics") / "data", workers=4) as s:
        yield s


def _send(url, call):
    method, path, body, status, _, _ = call
    kw = {"data": body, "headers": {"Content-Type": "application/json"}} if isinstance(body, str) else {
        "json": body}
    r = requests.request(method, url + path, timeout=30, **kw)  # a new connection each time
    assert r.status_code == status, r.text
    return r


def _wait_for_workers(server, n, gone, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = server.worker_pids()
        if len(pids) == n and gone not in pids:
            return
        time.sleep(0.05)
    raise TimeoutError(f"gunicorn did not replace worker {gone}: {pids}")


def test_counts_over_four_workers_equal_what_was_sent(server):
    half = len(MIX) // 2
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda c: _send(server.url, c), MIX[:half]))
        # A worker killed halfway loses none of the counts it had made.
        victim = server.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        list(pool.map(lambda c: _send(server.url, c), MIX[half:]))
    _wait_for_workers(server, 4, gone=victim)
    samples = scrape(requests.get(server.url + "/metrics", timeout=10).text)
    lab = requests.get(server.url + "/v1/models/lab", timeout=10).json()["id"]
    default = requests.get(server.url + "/readyz", timeout=10).json()["active_model"]

    expected: dict[tuple, int] = {}
    for method, path, _, status, _, _ in MIX:
        route = {"/v1/models/nope": "/v1/models/<model_ref:ref>", "/no/such/path": "unmatched"}.get(
            path, path.partition("?")[0])
        key = (route, method, str(status))
        expected[key] = expected.get(key, 0) + 1
    for (route, method, status), n in expected.items():
        assert value(samples, "roastnet_http_requests_total", route=route, method=method, status=status) == n
    assert value(samples, "roastnet_http_request_duration_seconds_count", route="/v1/predict",
                 method="POST") == 9 + 6 + 4 + 4
    assert value(samples, "roastnet_http_request_duration_seconds_bucket", route="/v1/neurons",
                 method="GET", le="+Inf") == 5
    assert value(samples, "roastnet_predictions_total", verdict="good", model=lab) == sum(c[4] for c in MIX)
    assert value(samples, "roastnet_predictions_total", verdict="bad", model=lab) == sum(c[5] for c in MIX)
    assert value(samples, "roastnet_registry_models") == 2
    assert value(samples, "roastnet_active_model_info", id=default, name="default", source="recipe") == 1
    pids = {dict(labels)["pid"] for name, labels in samples if name == "process_resident_memory_bytes"}
    assert len(pids) == 5 and str(server.proc.pid) in pids  # the master and four workers
    assert str(victim) not in pids


def test_a_killed_servers_count_directory_is_removed_by_the_next(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    base = Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else Path(tempfile.gettempdir())
    stale = base / f"roastnet-metrics-{gone.stdout.strip()}-test"
    stale.mkdir()
    (stale / "counter_1.db").write_bytes(b"\0" * 8)
    with Server(tmp_path / "data", workers=1) as server:
        assert not stale.exists()
        assert requests.get(server.url + "/metrics", timeout=10).status_code == 200
    assert not any(base.glob(f"roastnet-metrics-{server.proc.pid}-*"))  # its own, removed at exit

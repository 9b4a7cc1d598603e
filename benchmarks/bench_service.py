"""HTTP benchmarks: wrk against roastnet and a bare Flask app on the same gunicorn settings."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
import requests

from benchmarks.common import BARE_APP, table
from tests.server import Server, admin

SECONDS = 10
CONNECTIONS = 16
WORKERS = 4


def _lua(path: Path, body: bytes) -> Path:
    path.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {orjson.dumps(body.decode()).decode()}\n"
        'wrk.headers["Content-Type"] = "application/json"\n')
    return path


def wrk(url: str, script: Path, server: Server | None = None, seconds: int = SECONDS,
        close: bool = False) -> dict[str, float]:
    """Run wrk (keep-alive, or a new connection per request with ``close``); with the server, also
    the CPU its workers spent per request (steady under noise)."""
    cpu = _cpu_seconds(server) if server else 0.0
    extra = ["-H", "Connection: close"] if close else []
    out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", *extra, "-s",
                          str(script), url], capture_output=True, text=True, timeout=seconds + 30,
                         check=True).stdout
    found = {}
    for q in ("50", "99"):
        m = re.search(rf"{q}%\s+([\d.]+)(us|ms|s)", out)
        found[f"p{q}_ms"] = float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    done = int(re.search(r"(\d+) requests in", out).group(1))
    return {**found, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "errors": int(non2xx.group(1)) if non2xx else 0,
            "cpu_us": (_cpu_seconds(server) - cpu) / done * 1e6 if server else float("nan")}


def _cpu_seconds(server: Server) -> float:
    """Return the user + system CPU seconds of the server's workers so far."""
    total = 0
    for pid in server.worker_pids():
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def main() -> None:
    if shutil.which("wrk") is None:
        print("\n(wrk not installed: apt-get install wrk; HTTP benchmarks skipped)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        single = b'{"temperature": 200, "duration": 13.9}'
        predict_lua = _lua(tmp / "predict.lua", single)
        explain_lua = _lua(tmp / "explain.lua", b'{"temperature": 160, "duration": 13.5}')
        bare_cmd = Server(tmp / "bare").cmd[:-1] + [BARE_APP]
        off = {"ROASTNET_METRICS": "false"}
        with Server(tmp / "bare", workers=WORKERS, cmd=bare_cmd).start(expect_ready=False) as bare, \
                Server(tmp / "data", workers=WORKERS, trainer=True) as server, \
                Server(tmp / "plain", workers=WORKERS, env=off) as plain_server:
            _wait(bare.url + "/bare")
            # The baseline, metrics on and off, and explain in turn, best of two each, so that
            # drift on a shared machine does not land on one side only.
            runs = [(wrk(bare.url + "/bare", predict_lua),
                     wrk(server.url + "/v1/predict", predict_lua, server),
                     wrk(plain_server.url + "/v1/predict", predict_lua, plain_server),
                     wrk(server.url + "/v1/explain", explain_lua)) for _ in range(2)]
            base, predict, plain, explain = (max((r[k] for r in runs), key=lambda r: r["rps"])
                                             for k in range(4))
            cpu_on = min(r[1]["cpu_us"] for r in runs)
            cpu_off = min(r[2]["cpu_us"] for r in runs)
            codings = {c: _batch_latency(server.url, c) for c in ("identity", "gzip", "br", "zstd")}
            batch = codings["identity"][0]
            retrain = _retrain_latency(server.url)
            largest = _largest_retrain(server.url)
        rows = [["bare Flask JSON echo (baseline)", base["rps"], base["p99_ms"], base["errors"], 1.0],
                ["POST /v1/predict, one reading", predict["rps"], predict["p99_ms"], predict["errors"],
                 predict["rps"] / base["rps"]],
                ["POST /v1/predict, one reading, metrics off", plain["rps"], plain["p99_ms"],
                 plain["errors"], plain["rps"] / base["rps"]],
                ["POST /v1/explain, one reading", explain["rps"], explain["p99_ms"], explain["errors"],
                 explain["rps"] / base["rps"]]]
        table(f"wrk, {CONNECTIONS} keep-alive connections, {SECONDS} s, gunicorn.conf.py, {WORKERS} workers "
              "(best of two runs each, taken in turn)",
              ["endpoint", "req/s", "p99 ms", "non-2xx", "× bare Flask"], rows)
        table("Metrics on and off: POST /v1/predict, one reading (best of two runs each, taken in turn)",
              ["metrics", "req/s", "worker CPU µs per request"],
              [["on", predict["rps"], cpu_on], ["off", plain["rps"], cpu_off]])
        print(f"metrics cost: {100 * (cpu_on / cpu_off - 1):.1f} % more worker CPU per request, "
              f"{100 * (1 - predict['rps'] / plain['rps']):.1f} % of measured throughput "
              "(throughput moves with whatever else runs on the machine; the CPU figure less)")
        table("POST /v1/predict, 10,000 readings, by Content-Encoding (median of 5, client decodes)",
              ["coding", "ms", "bytes sent", "ms more than identity"],
              [[c, t * 1e3, size, (t - batch) * 1e3] for c, (t, size) in codings.items()])
        sweep_seconds, coverage = _sweep(tmp / "sweep")
        table("End to end (median of 5)", ["call", "ms"],
              [["POST /v1/predict, 10,000 readings over HTTP", batch * 1e3],
               ["POST /v1/retrain, 32 new seeds, as a job (Prefer: wait=30)", retrain * 1e3],
               ["POST /v1/retrain at the work budget (64 seeds × 8 units × 200 × 19,531 steps; once)",
                largest * 1e3],
               [f"roastnet sweep --seeds 0-99 (whole command; {coverage})", sweep_seconds * 1e3]])


def _largest_retrain(url: str) -> float:
    body = {"seeds": list(range(2000, 2064)), "hidden_units": 8, "steps": 19_531}
    start = time.perf_counter()
    r = requests.post(url + "/v1/retrain", json=body, headers={**admin(), "Prefer": "wait=30"}, timeout=120)
    job_url = url + r.headers["Location"]
    while r.json()["status"] in ("queued", "running"):
        time.sleep(0.05)
        r = requests.get(job_url, timeout=10)
    assert r.json()["status"] == "succeeded", r.text
    return time.perf_counter() - start


def _sweep(data_dir: Path) -> tuple[float, str]:
    env = {**os.environ, "ROASTNET_DATA_DIR": str(data_dir)}
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "service.cli", "sweep", "--seeds", "0-99"], env=env,
                         capture_output=True, text=True, check=True, timeout=300).stdout
    elapsed = time.perf_counter() - start
    rate = re.search(r"coverage rate: ([\d.]+)", out).group(1)
    return elapsed, f"coverage rate {rate}"


def _wait(url: str) -> None:
    for _ in range(100):
        try:
            requests.post(url, json={}, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)


def _batch_latency(url: str, coding: str = "identity") -> tuple[float, int]:
    """Return the median time of a 10,000-reading predict (decoded by the client) and its bytes sent."""
    body = orjson.dumps({"readings": [{"temperature": 150 + i % 135, "duration": 11.5 + (i % 40) / 10}
                                      for i in range(10_000)]})
    session = requests.Session()
    headers = {"Content-Type": "application/json", "Accept-Encoding": coding}
    times = []
    for _ in range(6):
        start = time.perf_counter()
        r = session.post(url + "/v1/predict", data=body, headers=headers)
        times.append(time.perf_counter() - start)
        assert r.status_code == 200 and len(r.json()["predictions"]) == 10_000
        assert r.headers.get("Content-Encoding", "identity") == coding
    return statistics.median(times[1:]), int(r.headers["Content-Length"])


def _retrain_latency(url: str) -> float:
    times = []
    for k in range(5):
        seeds = list(range(1000 + 32 * k, 1000 + 32 * (k + 1)))  # new seeds: really trained
        start = time.perf_counter()
        r = requests.post(url + "/v1/retrain", json={"seeds": seeds},
                          headers={**admin(), "Prefer": "wait=30"}, timeout=60)
        times.append(time.perf_counter() - start)
        assert r.status_code == 201 and all(m["created"] for m in r.json()["result"]["models"])
    return statistics.median(times)


if __name__ == "__main__":
    main()

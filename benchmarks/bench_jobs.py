"""/v1/predict latency at 16 connections, with and without a job of the largest allowed size training."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import requests

from benchmarks.bench_service import CONNECTIONS, _lua, wrk
from benchmarks.common import table
from tests.server import Server, admin

SECONDS = 8
WORKERS = 4
LARGEST = {"seeds": list(range(5000, 5064)), "hidden_units": 8, "steps": 19_531}  # 64 × 8 × 200 × 19,531


def main() -> None:
    if shutil.which("wrk") is None:
        print("\n(wrk not installed: apt-get install wrk; job benchmark skipped)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        lua = _lua(tmp / "predict.lua", b'{"temperature": 200, "duration": 13.9}')
        with Server(tmp / "data", workers=WORKERS, trainer=True) as server:
            url = server.url + "/v1/predict"
            wrk(url, lua, seconds=SECONDS)  # warm every worker
            idle = wrk(url, lua, seconds=SECONDS)
            r = requests.post(server.url + "/v1/retrain", json=LARGEST, headers=admin(), timeout=10)
            job_url = server.url + r.headers["Location"]
            while requests.get(job_url, timeout=10).json()["progress"]["step"] == 0:
                time.sleep(0.05)
            busy = wrk(url, lua, seconds=SECONDS)
            during = requests.get(job_url, timeout=10).json()
    step = f"{during['progress']['step']:,}/{during['progress']['steps']:,}"
    table(f"POST /v1/predict while training: wrk {CONNECTIONS} connections, {SECONDS} s, "
          f"{WORKERS} workers + 1 trainer",
          ["state", "req/s", "p50 ms", "p99 ms", "non-2xx"],
          [["no job", idle["rps"], idle["p50_ms"], idle["p99_ms"], idle["errors"]],
           [f"largest job training (status {during['status']} at {step} steps after)",
            busy["rps"], busy["p50_ms"], busy["p99_ms"], busy["errors"]]])


if __name__ == "__main__":
    main()

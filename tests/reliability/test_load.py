"""Load: 64 connections on POST /v1/predict for 30 s; no failures and flat worker memory."""

import os
import time

from tests.reliability.load import rss_kib, run_load
from tests.server import Server

SECONDS = float(os.environ.get("ROASTNET_LOAD_SECONDS", "30"))
BODY = b'{"temperature": 200, "duration": 13.9}'


def test_load_holds_with_flat_memory(tmp_path):
    # Recycling off, so that a leak would show instead of being reset.
    with Server(tmp_path / "data", workers=4, env={"ROASTNET_MAX_REQUESTS": "0"}) as server:
        url = f"{server.url}/v1/predict"
        run_load(url, BODY, connections=16, seconds=2)  # warm every worker
        workers = server.worker_pids()
        samples: list[tuple[float, int]] = []
        start = time.monotonic()

        def sample() -> None:
            samples.append((time.monotonic() - start, sum(rss_kib(pid) for pid in workers)))

        result = run_load(url, BODY, connections=64, seconds=SECONDS, max_requests=500_000, on_tick=sample)
        assert server.worker_pids() == workers  # no worker died or was replaced
        first = [rss for t, rss in samples if t <= 10]
        last = [rss for t, rss in samples if t >= SECONDS - 10]
        growth = (sum(last) / len(last)) / (sum(first) / len(first)) - 1

    assert result.errors == 0 and result.non_2xx == 0, result.statuses
    assert result.ok > 0
    assert growth < 0.05, f"worker RSS grew {growth:.1%}"
    print(f"load: {result.total} requests in {SECONDS:.0f} s at 64 connections "
          f"({result.total / SECONDS:.0f}/s), {result.non_2xx} non-2xx, {result.errors} errors, "
          f"p50 {result.p(0.5) * 1e3:.1f} ms, p99 {result.p(0.99) * 1e3:.1f} ms, "
          f"worker RSS {sum(first) / len(first) / 1024:.1f} → {sum(last) / len(last) / 1024:.1f} MiB "
          f"({growth:+.2%})")

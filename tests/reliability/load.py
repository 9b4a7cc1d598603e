"""A bounded load generator for tests: N threads posting to one URL until a deadline or a count."""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    ok: int = 0
    non_2xx: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.ok + self.non_2xx + self.errors

    def p(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run_load(url: str, body: bytes, connections: int, seconds: float, max_requests: int = 1_000_000,
             on_tick=None) -> LoadResult:
    """POST body to url from ``connections`` threads; stop at the deadline or after max_requests."""
    parts = urlsplit(url)
    deadline = time.monotonic() + seconds
    result = LoadResult()
    lock = threading.Lock()
    sent = [0]

    def worker() -> None:
        local = LoadResult()
        while time.monotonic() < deadline:
            with lock:
                if sent[0] >= max_requests:
                    break
                sent[0] += 1
            start = time.perf_counter()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            try:
                conn.request("POST", parts.path, body, {"Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                local.errors += 1
                continue
            finally:
                conn.close()
            local.latencies.append(time.perf_counter() - start)
            local.statuses[response.status] = local.statuses.get(response.status, 0) + 1
            if 200 <= response.status < 300:
                local.ok += 1
            else:
                local.non_2xx += 1
        with lock:
            result.ok += local.ok
            result.non_2xx += local.non_2xx
            result.errors += local.errors
            result.latencies += local.latencies
            for k, v in local.statuses.items():
                result.statuses[k] = result.statuses.get(k, 0) + v

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        if on_tick is not None:
            on_tick()
        time.sleep(1.0)
    for t in threads:
        t.join()
    return result


def rss_kib(pid: int) -> int:
    """Return a process's resident set size in KiB (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0

"""Worker recycling for a reason, one worker at a time.

gunicorn's own ``max_requests`` restarts a worker after a count, whatever its state, and nothing
stops every worker reaching its count in the same second (with two workers and a jitter of
±10 % they did, inside a measured window: p99 went from 7 ms to 155–207 ms). Here a worker asks
to be recycled only for a reason — its resident memory has grown by more than a limit since it
warmed up, or an operator-set request count — and only if no other worker of the same server is
being recycled. A recycle lasts from the claim until a replacement has loaded the app, so never
more than one worker is away at a time.

The claim is one line in a small file shared by the server's workers (made by the master in
gunicorn.conf.py), read and written under an exclusive lock: ``<pid> <monotonic seconds>`` while a
recycle is under way, empty otherwise. A claim whose worker is gone and whose replacement never
came (a failed boot) lapses after ``CLAIM_LAPSE`` seconds.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from service.metrics_dir import alive

CLAIM_LAPSE = 120.0  # longer than graceful_timeout + a worker's boot
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def rss_mib() -> float:
    """Return this process's resident set size in MiB (one read of /proc/self/statm)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE_KIB / 1024


class Recycler:
    """Decide, after each request of one worker, whether it should be recycled now.

    ``growth_mib``: recycle once RSS exceeds the RSS measured at the first check by this much
    (0: never for memory). ``max_requests``: recycle after this many requests (0: never).
    ``check_every``: requests between two checks (memory is read only then).
    """

    def __init__(self, state: Path, growth_mib: float, max_requests: int, check_every: int = 1000) -> None:
        self.state = Path(state)
        self.growth_mib, self.max_requests = growth_mib, max_requests
        self.check_every = min(check_every, max(1, max_requests // 10)) if max_requests else check_every
        self.requests = 0
        self.baseline_mib: float | None = None
        self.claimed = False

    def __repr__(self) -> str:
        return (f"Recycler(growth_mib={self.growth_mib}, max_requests={self.max_requests}, "
                f"requests={self.requests}, baseline_mib={self.baseline_mib})")

    def reason(self) -> str | None:
        """Count one request; every ``check_every`` requests, return why to recycle, if at all."""
        self.requests += 1
        if self.claimed or self.requests % self.check_every:
            return None
        if self.max_requests and self.requests >= self.max_requests:
            return f"served {self.requests} requests (max_requests {self.max_requests})"
        if self.growth_mib:
            rss = rss_mib()
            if self.baseline_mib is None:
                self.baseline_mib = rss  # after check_every requests: caches and pools are warm
            elif rss - self.baseline_mib > self.growth_mib:
                return f"resident memory grew from {self.baseline_mib:.0f} to {rss:.0f} MiB"
        return None

    def claim(self, pid: int) -> bool:
        """Take the server's one recycling slot for worker ``pid``; False if another holds it."""
        with self._locked() as f:
            if self._held(f.read()):
                return False
            f.seek(0)
            f.truncate()
            f.write(f"{pid} {time.monotonic()}")
        self.claimed = True
        return True

    def release_if_replaced(self, announce: Callable[[], object] = lambda: None) -> bool:
        """In a worker that has just loaded the app: end a recycle whose worker has gone.

        ``announce`` runs before the slot is freed, under its lock, so a log line it writes comes
        before any other worker's next claim.
        """
        with self._locked() as f:
            text = f.read()
            if not text or alive(int(text.split()[0])):
                return False
            announce()
            f.seek(0)
            f.truncate()
        return True

    def _held(self, text: str) -> bool:
        if not text:
            return False
        pid, since = text.split()
        return alive(int(pid)) or time.monotonic() - float(since) < CLAIM_LAPSE

    @contextmanager
    def _locked(self) -> Iterator[TextIO]:
        with open(self.state, "a+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                f.seek(0)
                yield f
            finally:
                f.flush()
                fcntl.flock(f, fcntl.LOCK_UN)

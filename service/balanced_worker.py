"""gunicorn's threaded worker, accepting new connections only while it holds no more than its share
(and writing each answer's headers and body at once: service/one_write.py).

A kept-alive connection stays with the worker that accepted it. With gunicorn's own gthread
worker every worker polls the shared listening socket and whichever wakes first takes the next
connection; under load that is often the same one, and a burst of new connections (wrk's 16, a
proxy's upstream pool) could end up all on one worker while the other idled (measured here: 321
CPU ticks against 1 over one run, half the throughput). Here each worker publishes how many
connections it holds on a small board shared by the server's workers, and stops accepting while
it holds more than ``SLACK`` above the least-loaded worker; the least-loaded worker always
accepts, so a connection never waits for want of a taker.

The board is a file of ``SLOTS`` (pid, connections) pairs in the server's own directory (made by
the master in gunicorn.conf.py); a worker takes a free slot when it starts and the master frees
it when the worker exits.
"""

from __future__ import annotations

import fcntl
import mmap
import os
from pathlib import Path

import numpy as np
from gunicorn.workers import gthread
from gunicorn.workers.gthread import ThreadWorker

from service import one_write

SLOTS = 64
SLACK = 1


class Board:
    """Connections held per worker: rows of (pid, connections) in a file every worker maps."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.exists() or self.path.stat().st_size < SLOTS * 16:
            self.path.write_bytes(bytes(SLOTS * 16))  # the master, before any worker starts
        self._file = open(self.path, "r+b")  # noqa: SIM115 - mapped for the process's lifetime
        self.map = mmap.mmap(self._file.fileno(), SLOTS * 16)
        self.rows = np.frombuffer(self.map, dtype=np.int64).reshape(SLOTS, 2)

    def __repr__(self) -> str:
        return f"Board({str(self.path)!r}, {self.counts()})"

    def take(self, pid: int) -> int:
        """Return a free slot, now marked as pid's."""
        fcntl.flock(self._file, fcntl.LOCK_EX)
        try:
            free = np.flatnonzero(self.rows[:, 0] == 0)
            if not free.size:
                raise RuntimeError(f"no free slot among {SLOTS} on {self.path}")
            self.rows[free[0]] = (pid, 0)
            return int(free[0])
        finally:
            fcntl.flock(self._file, fcntl.LOCK_UN)

    def free(self, pid: int) -> None:
        """Forget pid's slot (the master, when a worker has exited)."""
        self.rows[self.rows[:, 0] == pid] = 0

    def publish(self, slot: int, connections: int) -> None:
        self.rows[slot, 1] = connections

    def least(self) -> int:
        """Return the fewest connections any worker on the board holds."""
        return int(self.rows[self.rows[:, 0] != 0, 1].min(initial=1 << 62))

    def counts(self) -> dict[int, int]:
        """Return {pid: connections} of every worker on the board."""
        return {int(pid): int(n) for pid, n in self.rows if pid}


class BalancedThreadWorker(ThreadWorker):
    """gthread, with new connections spread over the workers (see the module docstring)."""

    def init_process(self) -> None:
        self.board = Board(Path(os.environ["ROASTNET_WORKER_BOARD"]))
        self.slot = self.board.take(self.pid)
        gthread.wsgi = one_write.WSGI  # this process's HTTP/1 answers: headers and body in one write
        super().init_process()

    # ThreadWorker.run accepts while ``nr_conns < worker_connections``, checked on every turn of
    # its loop: so the limit is computed here, from the board, each time it is read.
    @property
    def worker_connections(self) -> int:
        mine = self.nr_conns
        self.board.publish(self.slot, mine)
        return self._limit if mine <= self.board.least() + SLACK else mine

    @worker_connections.setter
    def worker_connections(self, value: int) -> None:
        self._limit = value

"""Worker recycling: only for a reason, and never two workers away at once (real gunicorn)."""

import os
import re
import subprocess
import sys
import time

import numpy as np

from service.recycling import Recycler, rss_mib
from tests.reliability.load import run_load
from tests.server import Server

BODY = b'{"temperature": 200, "duration": 13.9}'
CLAIM = re.compile(r"recycling worker (\d+): served")
READY = re.compile(r"worker (\d+) ready: the recycle it replaces is over")
EXITING = re.compile(r"Worker exiting \(pid: (\d+)\)")
BOOTING = re.compile(r"Booting worker with pid: (\d+)")


def test_recycles_happen_one_worker_at_a_time(tmp_path):
    # 120 requests per worker and 3 workers under even load: every worker reaches its count at
    # nearly the same moment, so recycles would overlap unless each waits for the one before.
    env = {"ROASTNET_MAX_REQUESTS": "120"}
    with Server(tmp_path / "data", workers=3, env=env) as server:
        first = set(server.worker_pids())
        results = []
        deadline = time.monotonic() + 150
        # Load in bounded rounds until three recycles have ended (each waits for the one before).
        while len(READY.findall(server.output())) < 3 and time.monotonic() < deadline:
            results.append(run_load(f"{server.url}/v1/predict", BODY, connections=12, seconds=2))
        # The last round may have begun one more recycle: without load no other begins, so wait
        # until every recycle begun has ended and all three workers are back.
        while time.monotonic() < deadline and (
                len(READY.findall(server.output())) < len(CLAIM.findall(server.output()))
                or len(server.worker_pids()) < 3):
            time.sleep(0.05)
        log = server.output()
        now = set(server.worker_pids())
    assert all(r.errors == 0 and r.non_2xx == 0 for r in results), [r.statuses for r in results]
    events = [(kind, int(m.group(1))) for line in log.splitlines()
              for kind, pattern in (("claim", CLAIM), ("ready", READY), ("exit", EXITING), ("boot", BOOTING))
              if (m := pattern.search(line))]
    claims = [pid for kind, pid in events if kind == "claim"]
    assert len(claims) >= 3, log[-3000:]
    # gunicorn's own lines show the restarts: after each claim, the worker exits and one boots
    # before the next claim; so no two workers are ever away together.
    for i, (kind, pid) in enumerate(events):
        if kind != "claim":
            continue
        after = events[i + 1:]
        nxt = next((j for j, (k, _) in enumerate(after) if k == "claim"), len(after))
        between = after[:nxt]
        if nxt < len(after):  # the last recycle may still be under way when the log was read
            assert ("exit", pid) in between, (pid, between)
            assert any(k == "boot" for k, _ in between) and any(k == "ready" for k, _ in between), between
    # Every recycled worker (but perhaps the last) is gone; a replacement may itself have recycled.
    assert set(claims[:-1]).isdisjoint(now) and first - now
    assert len(now) == 3


def test_memory_growth_is_a_reason_and_request_counts_are_not_by_default(tmp_path):
    recycler = Recycler(tmp_path / "slot", growth_mib=32, max_requests=0, check_every=10)
    assert [recycler.reason() for _ in range(10_000)] == [None] * 10_000  # steady memory, no reason
    assert recycler.baseline_mib is not None and abs(recycler.baseline_mib - rss_mib()) < 16
    held = np.ones(64 * 1024 * 1024 // 8)  # 64 MiB, touched: resident
    reasons = [recycler.reason() for _ in range(10)]
    assert reasons[-1] and "resident memory grew" in reasons[-1], reasons
    del held


def test_one_slot_per_server_until_the_replacement_is_up(tmp_path):
    seen: list[str] = []
    a = Recycler(tmp_path / "slot", growth_mib=0, max_requests=1)
    b = Recycler(tmp_path / "slot", growth_mib=0, max_requests=1)
    assert a.claim(os.getpid()) is True
    assert b.claim(os.getpid() + 1) is False  # held by a live worker
    assert b.release_if_replaced(lambda: seen.append("announced")) is False  # its worker lives
    assert not seen
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    since = time.monotonic()
    (tmp_path / "slot").write_text(f"{gone.pid} {since}")  # a worker that has exited
    assert b.claim(os.getpid()) is False  # … but whose replacement has not loaded the app yet
    seen = []  # what the slot held when the replacement announced itself: still the claim
    assert b.release_if_replaced(lambda: seen.append((tmp_path / "slot").read_text())) is True
    assert seen == [f"{gone.pid} {since}"]  # announced once, before the slot was freed
    assert b.claim(os.getpid()) is True

"""`make bench-peers`: roastnet beside the servers people would pick instead, one at a time.

Each peer lives in its own virtual environment under ROASTNET_PEERS_DIR (default ./.peers,
ignored by git), made on first use. Every server gets 2 workers and the same weights (roastnet's
default model, exported with ``Network.to_dict``); before any timing the peer's probabilities
are checked equal to roastnet's answers to 1e-12. Runs alternate (roastnet, peer, roastnet,
peer, …) so that drift on a shared machine lands on both sides; each figure is the median of the
runs with the range (min–max) beside it. roastnet's one reading is timed twice on each server:
its full explanation, and cut by ?fields= to the probability and label FastAPI answers. Two
floor rows time a bare Flask echo under each server: no Flask app served that way can answer
faster.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson
import requests

from benchmarks.bench_service import CONNECTIONS, _lua, wrk
from benchmarks.common import BARE_APP, table
from benchmarks.peers.systems import (
    BARE,
    BARE_GRANIAN,
    FLOORS,
    OURS,
    PEERS,
    ROASTNET,
    ROASTNET_GRANIAN,
    System,
)
from model.train import Recipe, train
from tests.server import SERVE_ONLY, Server

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PEERS_DIR = Path(os.environ.get("ROASTNET_PEERS_DIR", ROOT / ".peers"))
ROUNDS = int(os.environ.get("ROASTNET_PEER_ROUNDS", 3))
SECONDS = int(os.environ.get("ROASTNET_PEER_SECONDS", 10))
READINGS = [(150 + i % 135, 11.5 + (i % 40) / 10) for i in range(10_000)]
# The 10,000-reading batches each system is timed on: (label, path suffix). The peers answer the
# plain body only; a suffix is roastnet's own query (a trimmed answer, or one by column).
TRIMMED = "?fields=probability,label"  # roastnet's answer cut to what FastAPI answers
BATCHES = [("plain JSON", ""), ("fields=probability,label", TRIMMED),
           ("the same, layout=columns", TRIMMED + "&layout=columns"),
           ("fields=probability&layout=columns (KServe's answer)", "?fields=probability&layout=columns")]
JSON = {"Content-Type": "application/json"}


def venv(system: System) -> Path:
    """Return the system's virtual environment, made and filled on first use."""
    home = PEERS_DIR / system.key
    stamp = home / ".installed"
    wanted = " ".join(system.packages)
    if not stamp.exists() or stamp.read_text() != wanted:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(home)], check=True)
        subprocess.run([home / "bin" / "python", "-m", "pip", "install", "--quiet", *system.packages],
                       check=True)
        stamp.write_text(wanted)
    return home


def start(system: System, tmp: Path, weights: Path) -> Server:
    env = {"ROASTNET_PEER_WEIGHTS": str(weights), "ROASTNET_WORKERS": "2"}
    if system is ROASTNET:
        return Server(tmp / "roastnet", workers=2, env=env).start()
    if system is ROASTNET_GRANIAN:
        return Server(tmp / system.key, workers=2, env=env, cmd=[*SERVE_ONLY, "--server", "granian"]).start()
    if system is BARE:
        server = Server(tmp / system.key, workers=2, env=env)
        server.cmd = [*server.cmd[:-1], BARE_APP]  # gunicorn.conf.py's workers
    elif system is BARE_GRANIAN:  # service/granian_server.py's own settings, on the bare app
        server = Server(tmp / system.key, workers=2, env=env, cmd=[
            sys.executable, "-c", "import sys; from service.granian_server import main; "
                                  f"sys.exit(main({BARE_APP!r}))"])
    else:
        server = Server(tmp / system.key, env=env, cwd=HERE, cmd=[])
        server.cmd = system.command(venv(system), server.port)
    server.start(expect_ready=False)
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.post(server.url + system.path, data=system.single, headers=JSON, timeout=2).ok:
                return server
        except requests.RequestException:
            pass
        if server.proc.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"{system.name} did not start:\n{server.output()[-3000:]}")
        time.sleep(0.2)


def probabilities(system: System, url: str, readings: list[tuple[float, float]]) -> list[float]:
    r = requests.post(url + system.path, data=system.batch(readings),
                      headers=JSON, timeout=60)
    r.raise_for_status()
    return system.probabilities(r.json())


def batch_ms(system: System, url: str, suffix: str) -> float:
    """Return the median wall time of a 10,000-reading request, answer decoded (5 after 1 warm-up)."""
    body = system.batch(READINGS)
    session = requests.Session()
    times = []
    for _ in range(6):
        start = time.perf_counter()
        r = session.post(url + system.path + suffix, data=body, headers=JSON)
        r.json()
        times.append(time.perf_counter() - start)
        assert r.status_code == 200, r.text[:300]
    return statistics.median(times[1:]) * 1e3


def measure(system: System, tmp: Path, weights: Path, lua: dict[str, Path]) -> dict[str, float]:
    with start(system, tmp, weights) as server:
        url = server.url + system.path
        wrk(url, lua[system.key], seconds=2)  # warm every worker
        run = wrk(url, lua[system.key], seconds=SECONDS)
        assert run["errors"] == 0, f"{system.name}: {run['errors']} non-2xx answers"
        if system in OURS:  # one reading again, answered with the peer's fields only
            run["trimmed"] = wrk(url + TRIMMED, lua[system.key], seconds=SECONDS)
            assert run["trimmed"]["errors"] == 0, f"{system.name}: non-2xx answers to {TRIMMED}"
        for label, suffix in BATCHES:
            if system not in FLOORS and (system in OURS or not suffix):
                run[label] = batch_ms(system, server.url, suffix)
    return run


def check_equal(peer: System, tmp: Path, weights: Path) -> float:
    """Return the largest difference between the peer's probabilities and roastnet's (fails > 1e-12)."""
    grid = [(float(t), float(d)) for t in np.linspace(150, 285, 12) for d in np.linspace(11.5, 15.5, 9)]
    with start(ROASTNET, tmp, weights) as ours:
        want = np.array(probabilities(ROASTNET, ours.url, grid))
    with start(peer, tmp, weights) as theirs:
        got = np.array(probabilities(peer, theirs.url, grid))
    gap = float(np.max(np.abs(got - want)))
    assert gap <= 1e-12, f"{peer.name} answers differ from roastnet's by {gap:.3g}"
    return gap


def spread(values: list[float]) -> str:
    def number(v: float) -> str:
        return f"{v:,.0f}" if v >= 1000 else f"{v:.4g}"

    return f"{number(statistics.median(values))} ({number(min(values))}–{number(max(values))})"


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.2f} (2-core machine shared with other work)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        weights = tmp / "weights.json"
        weights.write_bytes(orjson.dumps(train(Recipe()).network.to_dict()))
        lua = {s.key: _lua(tmp / f"{s.key}.lua", s.single) for s in (*OURS, *FLOORS, *PEERS)}
        peers = [ROASTNET_GRANIAN, *FLOORS]  # the same app under the other server, and the floors
        for peer in PEERS:
            try:
                gap = check_equal(peer, tmp, weights)
            except (subprocess.CalledProcessError, RuntimeError) as exc:
                print(f"\n{peer.name}: left out: {exc}")
                continue
            print(f"{peer.name}: probabilities equal roastnet's within {gap:.2g}")
            peers.append(peer)
        runs: dict[str, list[dict[str, float]]] = {s.key: [] for s in (ROASTNET, *peers)}
        for _ in range(ROUNDS):
            for peer in peers:
                runs[ROASTNET.key].append(measure(ROASTNET, tmp, weights, lua))
                runs[peer.key].append(measure(peer, tmp, weights, lua))
    ours = statistics.median(r["rps"] for r in runs[ROASTNET.key])

    def row(name: str, got: list[dict], answer: str) -> list[str]:
        rps = [r["rps"] for r in got]
        return [name, spread(rps), f"{statistics.median(rps) / ours:.2f}",
                spread([r["p50_ms"] for r in got]), spread([r["p99_ms"] for r in got]),
                *[spread([r[label] for r in got]) if label in got[0] else "-" for label, _ in BATCHES],
                answer]

    rows = []
    for system in (ROASTNET, *peers):
        got = runs[system.key]
        rows.append(row(system.name, got, system.answer))
        if "trimmed" in got[0]:
            rows.append(row(f"{system.name}, {TRIMMED}", [r["trimmed"] for r in got], "probability + label"))
    table(f"One reading, wrk -c{CONNECTIONS} keep-alive {SECONDS} s, 2 workers each; median (min–max) "
          f"of {len(runs[ROASTNET.key])} runs for roastnet, {ROUNDS} per peer, taken in turn",
          ["system", "req/s", "× roastnet", "p50 ms", "p99 ms",
           *[f"10k batch ms, {label}" for label, _ in BATCHES], "answer"], rows)


if __name__ == "__main__":
    main()

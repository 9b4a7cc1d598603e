"""How roastnet is reached: clients that keep connections alive or not, and nginx in front.

gunicorn.conf.py's workers (threaded, keep-alive, connections spread over the workers) beside the
sync workers it used before (one request per connection) and granian (`roastnet serve --server
granian`), each asked by wrk directly with keep-alive, directly with ``Connection: close``, and
through Debian's nginx with an upstream keepalive pool as operators deploy it. Runs alternate
between the servers, twice; each cell is the median with the range.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from benchmarks.bench_service import CONNECTIONS, _lua, wrk
from benchmarks.common import table
from tests.server import ROOT, SERVE_ONLY, Server, free_port

SECONDS = 8
ROUNDS = 2
WORKERS = 2  # as the peers get
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
SETUPS = {"gunicorn.conf.py (balanced gthread, keep-alive)": [*GUNICORN, "service.wsgi:app"],
          "sync workers (before)": [*GUNICORN, "--worker-class", "sync", "service.wsgi:app"],
          "granian (roastnet serve --server granian)": [*SERVE_ONLY, "--server", "granian"]}
NGINX = """worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream roastnet {{ server 127.0.0.1:{upstream}; keepalive 32; keepalive_timeout 4s; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://roastnet;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""


def _nginx(tmp: Path, upstream: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    conf = tmp / f"nginx-{upstream}.conf"
    conf.write_text(NGINX.format(tmp=tmp, upstream=upstream, port=port))
    proc = subprocess.Popen(["nginx", "-p", str(tmp), "-c", str(conf), "-g", "daemon off;"])
    return proc, port


def _runs(server: Server, lua: Path, tmp: Path) -> dict[str, dict[str, float]]:
    url = server.url + "/v1/predict"
    wrk(url, lua, seconds=2)  # warm every worker
    got = {"keep-alive client": wrk(url, lua, seconds=SECONDS),
           "Connection: close": wrk(url, lua, seconds=SECONDS, close=True)}
    if shutil.which("nginx"):
        proc, port = _nginx(tmp, server.port)
        try:
            proxied = f"http://127.0.0.1:{port}/v1/predict"
            _wait(proxied)
            wrk(proxied, lua, seconds=2)
            got["through nginx (upstream keepalive)"] = wrk(proxied, lua, seconds=SECONDS)
        finally:
            proc.terminate()
            proc.wait(10)
    return got


def _wait(url: str) -> None:
    """Wait until nginx answers (a 4xx from roastnet through it will do)."""
    for _ in range(100):
        try:
            if requests.post(url, json={}, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)


def main() -> None:
    if shutil.which("wrk") is None:
        print("\n(wrk not installed: apt-get install wrk; serving benchmarks skipped)")
        return
    results: dict[str, dict[str, list[dict[str, float]]]] = {name: {} for name in SETUPS}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        lua = _lua(tmp / "predict.lua", b'{"temperature": 200, "duration": 13.9}')
        for round_ in range(ROUNDS):
            for n, (name, cmd) in enumerate(SETUPS.items()):
                with Server(tmp / f"data-{round_}-{n}", workers=WORKERS, cmd=cmd) as server:
                    for mode, run in _runs(server, lua, tmp).items():
                        results[name].setdefault(mode, []).append(run)
    rows = []
    for name, modes in results.items():
        for mode, runs in modes.items():
            rows.append([name, mode, *[_spread([r[k] for r in runs]) for k in ("rps", "p50_ms", "p99_ms")],
                         sum(r["errors"] for r in runs)])
    table(f"POST /v1/predict, one reading, wrk -c{CONNECTIONS} {SECONDS} s, {WORKERS} workers; median "
          f"(min–max) of {ROUNDS} runs, the servers in turn",
          ["server", "client", "req/s", "p50 ms", "p99 ms", "non-2xx"], rows)
    if not shutil.which("nginx"):
        print("(nginx not installed: apt-get install nginx for the proxied rows)")


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.4g} ({min(values):.4g}–{max(values):.4g})"


if __name__ == "__main__":
    main()

"""Start the real server (gunicorn) on 127.0.0.1 for tests, and stop exactly what was started."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "test-admin-token-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVE = [sys.executable, "-m", "service.cli", "serve"]  # gunicorn and a supervised trainer
SERVE_ONLY = [*SERVE, "--no-trainer"]
TRAINER = [sys.executable, "-m", "service.cli", "trainer"]


class Server:
    """gunicorn with ``workers`` sync workers on a free port and the given data directory.

    ``trainer=True`` starts `roastnet serve` instead: the same gunicorn under a supervisor, with a
    trainer process beside it (needed for retrain jobs to run).
    """

    def __init__(self, data_dir: Path, workers: int = 2, env: dict | None = None,
                 cmd: list[str] | None = None, cwd: Path = ROOT, trainer: bool = False) -> None:
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.data_dir.parent / f"gunicorn-{self.port}.log"
        self.env = {**os.environ, "ROASTNET_DATA_DIR": str(self.data_dir),
                    "ROASTNET_ADMIN_TOKEN": TOKEN, "ROASTNET_BIND": f"127.0.0.1:{self.port}",
                    "ROASTNET_WORKERS": str(workers), **(env or {})}
        self.cmd = cmd or (SERVE if trainer else
                           [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                            "service.wsgi:app"])
        self.cwd = cwd
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0, expect_ready: bool = True) -> Server:
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        try:
            self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, stdout=self.log,
                                         stderr=subprocess.STDOUT)
        except OSError:
            self.log.close()
            raise
        if expect_ready:
            try:
                self.wait_ready(timeout)
            except BaseException:
                self.stop()  # nothing we started outlives a failed start
                raise
        return self

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if requests.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"server not ready after {timeout} s:\n{self.output()}")

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        """Return the PIDs of this server's workers: the children of the gunicorn master, which is
        the process we started or, under `roastnet serve`, the supervisor's gunicorn child."""
        master = self.proc.pid
        if self.cmd == SERVE:
            master = next(pid for pid in _children(master)
                          if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes())
        return _children(master)

    def descendants(self) -> list[int]:
        """Return the PIDs of every process below the one we started (workers, trainer)."""
        return descendants(self.proc.pid)

    def kill(self) -> None:
        """kill -9 the process we started and everything below it (workers, trainer)."""
        pids = self.descendants()
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.log.close()

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        if not self.log.closed:
            self.log.close()

    def __enter__(self) -> Server:
        return self if self.proc is not None else self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in map(int, children):
        found += [child, *descendants(child)]
    return found


def established(pid: int, port: int) -> int:
    """Count the TCP connections to ``port`` that process pid holds open, from /proc alone."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01" and fields[9] in inodes:  # 01: ESTABLISHED
                count += 1
    return count


def raw_exchange(server, request: bytes) -> tuple[int, dict, bytes]:
    """Send bytes as they are; return the status, headers and body of the answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


def until(check, timeout=60.0, every=0.05):
    """Return check()'s first truthy value, polling; fail after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not seen within {timeout} s")

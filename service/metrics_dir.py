"""The directory in which the web workers keep their metrics and recycling slot, one per server,
and the checks a server makes once before its workers start (gunicorn.conf.py, granian_server.py)."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from service.settings import RegistryError, ensure_writable


def prepare(data_dir: Path, log: logging.Logger) -> None:
    """Check the data directory, then give the workers a new metrics directory.

    An unwritable directory would fail every worker at once: the server stops first, with exit
    status 4 and one clear line. The workers fork from this process and inherit
    PROMETHEUS_MULTIPROC_DIR; prometheus-client reads it on import.
    """
    try:
        ensure_writable(data_dir)
    except RegistryError as exc:
        log.critical("cannot start: %s", exc)
        raise SystemExit(4) from None
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_directory()


def remove() -> None:
    """Remove this server's metrics directory (on exit: its counts are no one's any more)."""
    shutil.rmtree(os.environ.get("PROMETHEUS_MULTIPROC_DIR", ""), ignore_errors=True)


def metrics_directory() -> str:
    """Make a new directory for the workers' metrics (prometheus-client's multiprocess mode).

    It sits in memory on /dev/shm where that is writable. Its name carries the making process's
    pid, so that a directory left by a server that was killed (no exit hook ran) is removed by
    the next server to start.
    """
    base = Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else Path(tempfile.gettempdir())
    for old in base.glob("roastnet-metrics-*-*"):
        pid = old.name.split("-")[2]
        if pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"roastnet-metrics-{os.getpid()}-", dir=base)


def alive(pid: int) -> bool:
    """Say whether process pid exists (another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's
    return True

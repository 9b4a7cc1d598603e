"""The directory in which the web workers keep their metrics and recycling slot, one per server."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


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

"""`roastnet serve`: gunicorn's workers and one trainer process beside them, the trainer restarted if it dies.

Serving never trains: web workers only queue jobs. The trainer runs at a lower CPU priority
(ROASTNET_TRAINER_NICE), so a long job takes the cores the workers leave idle.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from types import FrameType

log = logging.getLogger("roastnet.supervisor")
RESTART_DELAYS = (0.5, 1, 2, 5, 10, 30)  # seconds before restarting a trainer that keeps dying
STEADY = 60.0  # a trainer that ran this long is healthy again: the next restart is quick


def trainer_command() -> list[str]:
    return [sys.executable, "-m", "service.cli", "trainer"]


def supervise(web_cmd: list[str], env: dict[str, str]) -> int:
    """Run the web server and a trainer until the web server exits or a signal stops both."""
    web = subprocess.Popen(web_cmd, env=env)
    trainer = subprocess.Popen(trainer_command(), env=env)
    started, failures, stopping = time.monotonic(), 0, []

    def forward(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)
        for proc in (web, trainer):
            if proc.poll() is None:
                proc.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, forward)
    restart_at: float | None = None
    while web.poll() is None:
        if not stopping and trainer.poll() is not None:
            if restart_at is None:
                failures = 0 if time.monotonic() - started > STEADY else failures + 1
                delay = RESTART_DELAYS[min(failures, len(RESTART_DELAYS) - 1)]
                log.warning("the trainer (pid %d) exited with %s; restarting it in %s s",
                            trainer.pid, trainer.returncode, delay)
                restart_at = time.monotonic() + delay
            elif time.monotonic() >= restart_at:
                trainer = subprocess.Popen(trainer_command(), env=env)
                started, restart_at = time.monotonic(), None
        time.sleep(0.1)
    if trainer.poll() is None:
        trainer.terminate()
        try:
            trainer.wait(30)
        except subprocess.TimeoutExpired:
            trainer.kill()
            trainer.wait()
    return web.returncode

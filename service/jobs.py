"""Retraining as jobs: accepted by the API, delivered by huey, run by a trainer process.

huey is the queue because it serves both deployments with one API: SqliteHuey keeps the queue in
the data directory (no server beyond roastnet), RedisHuey (ROASTNET_QUEUE_URL=redis://…) shares it
between trainers on many hosts. The queue only carries job ids; the job itself (status, progress,
result, problem) lives in the registry's jobs table, which is what makes it durable: a job whose
delivery is lost, or whose trainer dies, is delivered again from there (service/trainer.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from huey import Huey, RedisHuey, SqliteHuey

from service.registry import Registry
from service.schemas import RetrainRequest
from service.settings import MAX_WAIT, Settings
from service.training import check_work

if TYPE_CHECKING:
    from service.answers import Job

TASK = "roastnet.retrain"


class JobQueue:
    """Where job ids wait for a trainer; ``run`` is given only in a trainer."""

    def __init__(self, settings: Settings, run: Callable[[str], None] | None = None) -> None:
        name = settings.queue_name
        if settings.queue_url:
            self.huey: Huey = RedisHuey(name, url=settings.queue_url, results=False,
                                        blocking=True, read_timeout=1)
        else:
            path = settings.data_dir / "queue.sqlite3"
            self.huey = SqliteHuey(name, filename=str(path), results=False, fsync=True)
        self.blocking = bool(settings.queue_url)

        def retrain(job_id: str) -> None:
            if run is None:
                raise RuntimeError("this process serves; only a trainer runs jobs")
            run(job_id)

        self._task = self.huey.task(name=TASK, retries=0)(retrain)

    def __repr__(self) -> str:
        return f"JobQueue({type(self.huey).__name__})"

    def put(self, job_id: str) -> None:
        self._task(job_id)

    def pending(self) -> int:
        return self.huey.pending_count()

    def take_one(self) -> bool:
        """Run the next delivered job, if any; return whether there was one."""
        task = self.huey.dequeue()
        if task is None:
            return False
        self.huey.execute(task)
        return True


def submit(reg: Registry, queue: JobQueue, req: RetrainRequest, max_work: int) -> Job:
    """Record a retrain job (refused now if over the work budget) and queue it."""
    check_work(req, max_work)
    job = reg.create_job(req.model_dump(), seeds_total=len(req.seeds), steps=req.steps)
    queue.put(job["id"])
    return job


def wait_for(reg: Registry, job_id: str, seconds: float, poll: float = 0.05) -> Job:
    """Return the job once it has finished, or as it is after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        job = reg.job(job_id)
        assert job is not None  # jobs are never deleted
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        if time.monotonic() >= deadline:
            return job
        time.sleep(min(poll, max(0.0, deadline - time.monotonic())))


def preferred_wait(header: str | None, cap: int = MAX_WAIT) -> int | None:
    """Read ``wait=N`` from a Prefer header (RFC 7240); None when absent or malformed.

    N is capped at ``cap``; other preferences, and parameters after ``;``, are ignored.
    """
    if not header:
        return None
    for pref in header.split(","):
        name, _, value = pref.split(";")[0].strip().partition("=")
        if name.strip().lower() == "wait":
            value = value.strip().strip('"')
            if value.isdigit():
                return min(int(value), cap)
    return None

"""The trainer: takes jobs from the queue and trains them, apart from every web worker.

One trainer runs one job at a time; run as many as there are cores to spare, on any host that
reaches the registry and the queue. Each renews its lease on the running job with every progress
write; any trainer that finds a lease run out puts that job back in the queue (or fails it after
ROASTNET_JOB_ATTEMPTS attempts, with a problem that says so). A cancelled job, or one taken
over after a lost lease, stores nothing: its final commit is conditional on still owning it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

from service.errors import Problem
from service.jobs import JobQueue
from service.registry import LostJob, Registry, open_registry
from service.registry.jobs import problem
from service.schemas import RetrainRequest
from service.settings import Settings
from service.training import retrain

if TYPE_CHECKING:
    from service.answers import RetrainResponse

log = logging.getLogger("roastnet.trainer")
PROGRESS_EVERY = 0.5  # seconds between progress writes (each one also renews the lease)


class Interrupted(Exception):
    """The trainer is stopping; the job goes back to the queue."""


class Trainer:
    def __init__(self, settings: Settings, reg: Registry | None = None, name: str | None = None) -> None:
        self.settings = settings
        self.reg = reg or open_registry(settings)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.queue = JobQueue(settings, run=self.run_job)
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None  # set by start_in_thread
        self._swept = 0.0

    def __repr__(self) -> str:
        return f"Trainer({self.name!r}, {self.queue!r})"

    def serve_forever(self) -> None:
        """Run jobs until ``stop`` is set; a job under way is put back in the queue."""
        log.info("trainer %s waiting for jobs (%r)", self.name, self.queue)
        while not self.stop.is_set():
            self.sweep()
            if not self.queue.take_one() and not self.queue.blocking:
                self.stop.wait(0.1)

    def sweep(self, force: bool = False) -> None:
        """Every third of a lease: deliver again the jobs whose trainer or delivery was lost."""
        now = time.monotonic()
        if not force and now - self._swept < self.settings.job_lease_seconds / 3:
            return
        self._swept = now
        for job_id in self.reg.reclaim(self.settings.job_attempts, self.settings.job_requeue_seconds):
            log.warning("job %s lost its trainer or its delivery; queued again", job_id)
            self.queue.put(job_id)

    def run_job(self, job_id: str) -> None:
        """Claim and train one job; store its models and result in one commit, or nothing."""
        lease = self.settings.job_lease_seconds
        attempt = self.reg.claim(job_id, self.name, lease)
        if attempt is None:
            log.info("job %s is not queued (done, cancelled or taken); skipped", job_id)
            return
        job = self.reg.job(job_id)
        assert job is not None, "a claimed job is in the registry (jobs are never deleted)"
        req = RetrainRequest.model_validate(job["request"])
        last = time.monotonic()
        log.info("job %s: attempt %d, %d seeds × %d steps", job_id, attempt, len(req.seeds), req.steps)

        def progress(done: int, step: int, steps: int) -> None:
            nonlocal last
            if self.stop.is_set():
                raise Interrupted
            if time.monotonic() - last < min(PROGRESS_EVERY, lease / 3):
                return
            last = time.monotonic()
            if not self.reg.renew(job_id, attempt, lease,
                                  {"seeds_done": done, "step": step, "steps": steps}):
                raise LostJob(job_id)

        def finish(db: Any, answer: RetrainResponse) -> None:
            self.reg.finish(db, job_id, attempt, answer, len(req.seeds))

        try:
            retrain(self.reg, req, self.settings.max_retrain_work, progress, finish)
            log.info("job %s succeeded", job_id)
        except LostJob:
            log.info("job %s was cancelled or taken over; nothing stored", job_id)
        except Interrupted:
            self.reg.release(job_id, attempt)
            self.queue.put(job_id)
            log.info("job %s put back in the queue: the trainer is stopping", job_id)
        except Problem as exc:
            self.reg.fail(job_id, attempt, exc.body())
        except Exception as exc:  # a job's failure must not stop the trainer
            log.exception("job %s failed", job_id)
            self.reg.fail(job_id, attempt, problem("training-failed", "Training failed", 500,
                                                   f"training stopped with {type(exc).__name__}: {exc}"))


def start_in_thread(settings: Settings) -> Trainer:
    """Run a trainer on a thread of this process (tests and one-process tools)."""
    trainer = Trainer(settings)
    thread = threading.Thread(target=trainer.serve_forever, name="trainer", daemon=True)
    thread.start()
    trainer.thread = thread
    return trainer

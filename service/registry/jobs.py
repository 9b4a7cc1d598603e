"""Jobs in the registry's database: the durable record of every retrain, whatever the queue does.

The queue only delivers job ids. Which trainer owns a job, and whether it still does, is decided
here by conditional updates: a trainer claims a queued job (attempt n), renews a lease while it
trains and finishes only if the job is still its attempt n and running. So a job delivered twice
runs once, a cancelled job stores nothing, and a trainer that died is noticed when its lease
runs out.
"""

from __future__ import annotations

import time
import uuid
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from service.answers import Job, ProblemDetail, RetrainResponse

JOB_COLUMNS = ("id, status, created_at, started_at, finished_at, request, result, problem, "
               "seeds_done, seeds_total, step, steps, attempts")
STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
FINISHED = ("succeeded", "failed", "cancelled")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class LostJob(Exception):
    """The job is no longer this attempt's to write: cancelled, or taken over after a lost lease."""


def problem(slug: str, title: str, status: int, detail: str) -> ProblemDetail:
    return {"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail}


def _job(row: tuple[Any, ...]) -> Job:
    (job_id, status, created, started, finished, request, result, prob,
     seeds_done, seeds_total, step, steps, attempts) = row
    return {"id": job_id, "status": status, "created_at": created, "started_at": started,
            "finished_at": finished,
            "progress": {"seeds_done": seeds_done, "seeds_total": seeds_total, "step": step,
                         "steps": steps},
            "attempts": attempts, "request": orjson.loads(request),
            "result": orjson.loads(result) if result else None,
            "problem": orjson.loads(prob) if prob else None}


class JobStore:
    """The base of a Registry: uses its ``query`` and ``transaction``."""

    if TYPE_CHECKING:
        def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]: ...
        def transaction(self) -> AbstractContextManager[Any]: ...

    def create_job(self, request: dict[str, Any], seeds_total: int, steps: int) -> Job:
        job_id = uuid.uuid4().hex
        with self.transaction() as db:
            db.execute("INSERT INTO jobs (id, status, created_at, request, seeds_total, steps, "
                       "enqueued_at) VALUES (?, 'queued', ?, ?, ?, ?, ?)",
                       (job_id, now_iso(), orjson.dumps(request).decode(), seeds_total, steps,
                        time.time()))
        created = self.job(job_id)
        assert created is not None
        return created

    def job(self, job_id: str) -> Job | None:
        rows = self.query(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,))
        return _job(tuple(rows[0])) if rows else None

    def jobs(self, limit: int, offset: int, status: str | None = None
             ) -> tuple[list[Job], int]:
        """Return one page of jobs, newest first, optionally of one status, and the total."""
        where, params = ("WHERE status = ?", (status,)) if status else ("", ())
        total = self.query(f"SELECT count(*) FROM jobs {where}", params)[0][0]
        rows = self.query(f"SELECT {JOB_COLUMNS} FROM jobs {where} ORDER BY seq DESC LIMIT ? OFFSET ?",
                          (*params, limit, offset))
        return [_job(tuple(r)) for r in rows], total

    def claim(self, job_id: str, trainer: str, lease: float) -> int | None:
        """Take a queued job; return this attempt's number, or None if it is not queued."""
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, trainer = ?, "
                "started_at = COALESCE(started_at, ?), lease_until = ? "
                "WHERE id = ? AND status = 'queued'",
                (trainer, now_iso(), time.time() + lease, job_id))
            if cur.rowcount != 1:
                return None
            return db.execute("SELECT attempts FROM jobs WHERE id = ?", (job_id,)).fetchone()[0]

    def renew(self, job_id: str, attempt: int, lease: float, progress: dict[str, int]) -> bool:
        """Extend the lease and record progress; False once the job is no longer this attempt's."""
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE jobs SET lease_until = ?, seeds_done = ?, step = ?, steps = ? "
                "WHERE id = ? AND status = 'running' AND attempts = ?",
                (time.time() + lease, progress["seeds_done"], progress["step"], progress["steps"],
                 job_id, attempt))
            return cur.rowcount == 1

    def finish(self, db: Any, job_id: str, attempt: int, result: RetrainResponse,
               seeds_total: int) -> None:
        """Mark the job succeeded inside the caller's transaction, or raise LostJob (it rolls back)."""
        cur = db.execute(
            "UPDATE jobs SET status = 'succeeded', result = ?, finished_at = ?, lease_until = NULL, "
            "seeds_done = ?, step = steps WHERE id = ? AND status = 'running' AND attempts = ?",
            (orjson.dumps(result).decode(), now_iso(), seeds_total, job_id, attempt))
        if cur.rowcount != 1:
            raise LostJob(job_id)

    def fail(self, job_id: str, attempt: int | None, prob: ProblemDetail) -> bool:
        """Mark a running job (of this attempt, when given) failed with a problem."""
        extra, params = ("AND attempts = ?", (attempt,)) if attempt is not None else ("", ())
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE jobs SET status = 'failed', problem = ?, finished_at = ?, lease_until = NULL "
                f"WHERE id = ? AND status = 'running' {extra}",
                (orjson.dumps(prob).decode(), now_iso(), job_id, *params))
            return cur.rowcount == 1

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued or running job; False when it has already finished."""
        prob = problem("cancelled", "Cancelled", 409, "an admin cancelled this job")
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE jobs SET status = 'cancelled', problem = ?, finished_at = ?, lease_until = NULL "
                "WHERE id = ? AND status IN ('queued', 'running')",
                (orjson.dumps(prob).decode(), now_iso(), job_id))
            return cur.rowcount == 1

    def release(self, job_id: str, attempt: int) -> bool:
        """Put a running job back in the queue (its trainer is stopping); it will run again."""
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE jobs SET status = 'queued', lease_until = NULL, trainer = NULL, "
                "attempts = attempts - 1, enqueued_at = ? "
                "WHERE id = ? AND status = 'running' AND attempts = ?", (time.time(), job_id, attempt))
            return cur.rowcount == 1

    def reclaim(self, max_attempts: int, requeue_after: float) -> list[str]:
        """Requeue (or fail, after max_attempts) running jobs whose lease ran out; return the ids
        that need delivering again, including queued jobs no trainer took within requeue_after."""
        now = time.time()
        again: list[str] = []
        expired = self.query("SELECT id, attempts, trainer FROM jobs "
                             "WHERE status = 'running' AND lease_until < ?", (now,))
        for job_id, attempts, trainer in expired:
            if attempts >= max_attempts:
                self.fail(job_id, attempts, problem(
                    "trainer-lost", "Trainer lost", 503,
                    f"the trainer running attempt {attempts} of {max_attempts} ({trainer}) stopped "
                    "renewing its lease; no model of this job was stored"))
                continue
            with self.transaction() as db:
                cur = db.execute("UPDATE jobs SET status = 'queued', trainer = NULL, enqueued_at = ? "
                                 "WHERE id = ? AND status = 'running' AND attempts = ?",
                                 (now, job_id, attempts))
                if cur.rowcount == 1:
                    again.append(job_id)
        with self.transaction() as db:
            stale = db.execute("SELECT id FROM jobs WHERE status = 'queued' AND enqueued_at < ?",
                               (now - requeue_after,)).fetchall()
            for (job_id,) in stale:
                db.execute("UPDATE jobs SET enqueued_at = ? WHERE id = ?", (now, job_id))
                again.append(job_id)
        return again

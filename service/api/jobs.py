"""Retraining jobs over HTTP: submit (202 + Location, or 201 within Prefer: wait=N), list, read, cancel."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from service.answers import Job, JobList
from service.auth import admin_required
from service.errors import Conflict, NotFound, ValidationProblem
from service.http import body_bytes, int_arg, json_response, parse, registry
from service.jobs import JobQueue, preferred_wait, submit, wait_for
from service.registry.jobs import STATUSES
from service.schemas import RetrainRequest

bp = Blueprint("jobs", __name__, url_prefix="/v1")


def queue() -> JobQueue:
    return current_app.extensions["roastnet.queue"]


@bp.post("/retrain")
@admin_required
def retrain_seeds() -> Response:
    """Queue a retrain: one model per seed, compared by how their units divide the regions."""
    req = parse(RetrainRequest, body_bytes())
    settings = current_app.config["ROASTNET"]
    wait = preferred_wait(request.headers.get("Prefer"), settings.max_wait_seconds)
    job = submit(registry(), queue(), req, settings.max_retrain_work)
    headers = {"Location": f"/v1/jobs/{job['id']}"}
    if wait is not None:
        job = wait_for(registry(), job["id"], wait)
        headers["Preference-Applied"] = f"wait={wait}"
    done = job["status"] in ("succeeded", "failed", "cancelled")
    response = json_response(job, 201 if wait is not None and done else 202)
    response.headers.update(headers)
    if not done:
        response.headers.pop("Preference-Applied", None)
    return response


@bp.get("/jobs")
def list_jobs() -> Response:
    """List jobs, newest first, optionally of one status."""
    limit = int_arg("limit", 50, 1, 500)
    offset = int_arg("offset", 0, 0, 10**9)
    status = request.args.get("status")
    if status is not None and status not in STATUSES:
        raise ValidationProblem(f"status must be one of {', '.join(STATUSES)}")
    jobs, total = registry().jobs(limit, offset, status)
    reply: JobList = {"jobs": jobs, "total": total, "limit": limit, "offset": offset}
    return json_response(reply)


@bp.get("/jobs/<job_id>")
def get_job(job_id: str) -> Response:
    """Return one job: its status, progress, request, and result or problem."""
    return json_response(_find(job_id))


@bp.delete("/jobs/<job_id>")
@admin_required
def cancel_job(job_id: str) -> Response:
    """Cancel a queued or running job; a running one stops at its next progress write."""
    _find(job_id)
    if not registry().cancel(job_id):
        raise Conflict(f"job {job_id} has already finished ({_find(job_id)['status']})")
    return json_response(_find(job_id))


def _find(job_id: str) -> Job:
    job = registry().job(job_id) if len(job_id) <= 64 else None
    if job is None:
        raise NotFound(f"no job with id {job_id!r}; GET /v1/jobs lists them")
    return job

"""Retraining jobs over HTTP: submit (202 + Location, or 201 within Prefer: wait=N), list, read, cancel."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from service import answers as a
from service.answers import Job, JobList
from service.contract import BODY_PROBLEMS, Link, operation
from service.errors import Conflict, NotFound
from service.http import body_bytes, json_response, parse, registry
from service.jobs import JobQueue, preferred_wait, submit, wait_for
from service.params import JOB, LIMIT, OFFSET, PREFER, STATUS
from service.schemas import RetrainRequest
from service.settings import MAX_WAIT

bp = Blueprint("jobs", __name__, url_prefix="/v1")
LOCATION = {"description": "the job: /v1/jobs/{id}", "schema": {"type": "string"}}
APPLIED = {"description": "wait=N, the wait that was honoured (RFC 7240)", "schema": {"type": "string"}}
GET_JOB = ("get", "/v1/jobs/{job_id}")
GET_MODEL = ("get", "/v1/models/{ref}")
FIRST_MODEL = "/result/models/0/id"


def queue() -> JobQueue:
    return current_app.extensions["roastnet.queue"]


@bp.post("/retrain")
@operation("Queue a retrain: one model per seed, compared (a job; 201 inline with Prefer: wait=N)",
           "Queues a job that trains one model per seed and compares how their units divide the "
           "bad-roast regions: 202 with Location /v1/jobs/{id}; with Prefer: wait=N "
           f"(N up to {MAX_WAIT} s), 201 with the finished job inline when it ends in time.",
           (202, a.Job), body=RetrainRequest, problems=BODY_PROBLEMS, params=(PREFER,), admin=True,
           also_ok=(201, "The job finished within Prefer: wait=N; it is inline"),
           headers={202: {"Location": LOCATION}, 201: {"Location": LOCATION, "Preference-Applied": APPLIED}},
           links={
               202: {"GetJob": Link(*GET_JOB, "job_id", "/id", "the queued job"),
                     "CancelJob": Link("delete", "/v1/jobs/{job_id}", "job_id", "/id", "cancel it")},
               201: {"GetJob": Link(*GET_JOB, "job_id", "/id", "the finished job"),
                     "GetModel": Link(*GET_MODEL, "ref", FIRST_MODEL, "the first seed's model"),
                     "GetTrajectory": Link("get", "/v1/models/{ref}/trajectory", "ref", FIRST_MODEL,
                                           "how the first seed's units moved while it trained")}})
def retrain_seeds() -> Response:
    """Queue a retrain: one model per seed, compared by how their units divide the regions."""
    req = parse(RetrainRequest, body_bytes())
    settings = current_app.config["ROASTNET"]
    wait = preferred_wait(request.headers.get(PREFER.name), settings.max_wait_seconds)
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
@operation("Retrain jobs, newest first", "Retrain jobs, newest first; ?status= keeps one state.",
           (200, a.JobList), problems=(422,), params=(LIMIT, OFFSET, STATUS))
def list_jobs() -> Response:
    """List jobs, newest first, optionally of one status."""
    limit, offset, status = LIMIT.read(), OFFSET.read(), STATUS.read()
    jobs, total = registry().jobs(limit, offset, status)
    reply: JobList = {"jobs": jobs, "total": total, "limit": limit, "offset": offset}
    return json_response(reply)


@bp.get("/jobs/<job_id>")
@operation("One job: status, progress, result or problem",
           "One job: its status, progress while it runs, and its result or the problem that ended it.",
           (200, a.Job), problems=(404,), params=(JOB,))
def get_job(job_id: str) -> Response:
    """Return one job: its status, progress, request, and result or problem."""
    return json_response(_find(job_id))


@bp.delete("/jobs/<job_id>")
@operation("Cancel a queued or running job",
           "Cancels a queued or running job; its models are not stored.",
           (200, a.Job), problems=(404, 409), params=(JOB,), admin=True)
def cancel_job(job_id: str) -> Response:
    """Cancel a queued or running job; a running one stops at its next progress write."""
    _find(job_id)
    if not registry().cancel(job_id):
        raise Conflict(f"job {job_id} has already finished ({_find(job_id)['status']})")
    return json_response(_find(job_id))


def _find(job_id: str) -> Job:
    job = registry().job(job_id) if len(job_id) <= JOB.schema["maxLength"] else None
    if job is None:
        raise NotFound(f"no job with id {job_id!r}; GET /v1/jobs lists them")
    return job

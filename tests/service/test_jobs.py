"""Retrain jobs through the Flask test client with a trainer thread: 202/201, progress, listing, cancel."""

import time

import pytest

from service.jobs import preferred_wait
from tests.server import until as wait_until
from tests.service.conftest import make_app

BIG = {"seeds": list(range(64)), "steps": 20_000, "samples": 1000}  # 3.84e9 > budget
LONG = {"seeds": list(range(40)), "steps": 20_000}  # 4.8e8 of work: a few seconds


def until(check, timeout=60.0, every=0.02):
    return wait_until(check, timeout, every)  # a test client answers fast: poll often


@pytest.fixture
def idle_client(tmp_path):
    """An app with no trainer: jobs stay queued."""
    return make_app(tmp_path / "data").test_client()


def test_a_retrain_is_accepted_and_runs_as_a_job(fresh_client, auth):
    r = fresh_client.post("/v1/retrain", json={"seeds": [3, 4]}, headers=auth)
    assert r.status_code == 202 and r.headers["Location"] == f"/v1/jobs/{r.json['id']}"
    assert "Preference-Applied" not in r.headers
    assert r.json["status"] in ("queued", "running") and r.json["request"]["seeds"] == [3, 4]
    job = until(lambda: (j := fresh_client.get(r.headers["Location"]).json)["status"] == "succeeded" and j)
    assert job["progress"]["seeds_done"] == job["progress"]["seeds_total"] == 2
    assert [m["seed"] for m in job["result"]["models"]] == [3, 4] and job["problem"] is None
    assert job["started_at"] >= job["created_at"] and job["finished_at"] >= job["started_at"]
    assert fresh_client.get("/v1/models").json["total"] == 4


def test_prefer_wait_answers_201_with_the_finished_job(fresh_client, auth):
    r = fresh_client.post("/v1/retrain", json={"seeds": [5]}, headers={**auth, "Prefer": "wait=30"})
    assert r.status_code == 201 and r.headers["Preference-Applied"] == "wait=30"
    assert r.json["status"] == "succeeded" and r.json["result"]["models"][0]["created"] is True
    assert r.headers["Location"] == f"/v1/jobs/{r.json['id']}"


def test_prefer_wait_that_runs_out_answers_202(idle_client, auth):
    started = time.monotonic()
    r = idle_client.post("/v1/retrain", json={"seeds": [5]}, headers={**auth, "Prefer": "wait=1"})
    assert r.status_code == 202 and r.json["status"] == "queued"
    assert 1.0 <= time.monotonic() - started < 5
    assert "Preference-Applied" not in r.headers


@pytest.mark.parametrize(("header", "wait"), [
    (None, None), ("wait=5", 5), ("respond-async, wait=10", 10), ("wait=100", 30),
    ("wait=-1", None), ("wait=abc", None), ('WAIT="3"', 3), ("handling=lenient", None),
])
def test_prefer_header_parsing(header, wait):
    assert preferred_wait(header) == wait


def test_listing_is_newest_first_paginated_and_filtered(idle_client, auth):
    ids = [idle_client.post("/v1/retrain", json={"seeds": [s]}, headers=auth).json["id"] for s in range(3)]
    page = idle_client.get("/v1/jobs?limit=2").json
    assert [j["id"] for j in page["jobs"]] == ids[::-1][:2] and page["total"] == 3
    assert idle_client.get("/v1/jobs?offset=2").json["jobs"][0]["id"] == ids[0]
    assert idle_client.delete(f"/v1/jobs/{ids[1]}", headers=auth).json["status"] == "cancelled"
    cancelled = idle_client.get("/v1/jobs?status=cancelled").json
    assert [j["id"] for j in cancelled["jobs"]] == [ids[1]] and cancelled["total"] == 1
    assert idle_client.get("/v1/jobs?status=queued").json["total"] == 2
    r = idle_client.get("/v1/jobs?status=done")
    assert r.status_code == 422 and "status must be one of" in r.json["detail"]


def test_cancel_rules(idle_client, auth):
    job = idle_client.post("/v1/retrain", json={"seeds": [1]}, headers=auth).json
    assert idle_client.delete(f"/v1/jobs/{job['id']}").status_code == 401
    cancelled = idle_client.delete(f"/v1/jobs/{job['id']}", headers=auth).json
    assert cancelled["status"] == "cancelled" and cancelled["problem"]["type"] == "/problems/cancelled"
    again = idle_client.delete(f"/v1/jobs/{job['id']}", headers=auth)
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert idle_client.delete("/v1/jobs/nope", headers=auth).status_code == 404
    assert idle_client.get("/v1/jobs/nope").status_code == 404
    assert idle_client.get("/v1/jobs/" + "x" * 100).status_code == 404


def test_over_budget_is_refused_before_a_job_exists(idle_client, auth):
    r = idle_client.post("/v1/retrain", json=BIG, headers=auth)
    assert r.status_code == 422 and "work budget" in r.json["detail"]
    assert idle_client.get("/v1/jobs").json["total"] == 0


def test_cancelling_a_running_job_stores_nothing(fresh_client, auth):
    before = fresh_client.get("/v1/models").json["total"]
    job = fresh_client.post("/v1/retrain", json=LONG, headers=auth).json
    url = f"/v1/jobs/{job['id']}"
    until(lambda: fresh_client.get(url).json["progress"]["step"] > 0)  # running, with progress
    assert fresh_client.delete(url, headers=auth).json["status"] == "cancelled"
    # The trainer notices at its next progress write and commits nothing; a new job then runs.
    assert fresh_client.post("/v1/retrain", json={"seeds": [9]},
                             headers={**auth, "Prefer": "wait=30"}).status_code == 201
    assert fresh_client.get(url).json["status"] == "cancelled"
    assert fresh_client.get("/v1/models").json["total"] == before + 1

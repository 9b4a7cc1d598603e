"""Answers about retraining and the service itself: jobs, their results, health, problems."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from service.answers.models import Metrics
from service.answers.predictions import NeuronRole
from service.schemas import RetrainRequest


class RetrainedModel(TypedDict):
    id: str
    seed: int
    created: bool
    metrics: Metrics
    neurons: list[NeuronRole]


class SeedRow(TypedDict):
    seed: int
    model_id: str
    regions: dict[str, list[int]]
    all_regions_covered: bool
    duplicates: list[list[int]]
    train_accuracy: float
    grid_accuracy: float
    separation_step: Annotated[int | None, Field(
        description="first kept step at which the closest two units are 1,000× further apart than "
                    "at step 0; null when they never are (always, for units started identical) or "
                    "when the model has no trajectory")]
    regions_settled_step: Annotated[int | None, Field(
        description="the kept step from which no unit changes region; null without a trajectory")]


class Comparison(TypedDict):
    seeds: list[SeedRow]
    coverage_rate: float
    summary: str


class RetrainResponse(TypedDict):
    models: list[RetrainedModel]
    comparison: Comparison
    activated: str | None


class Health(TypedDict):
    status: Literal["ok"]


class Ready(TypedDict):
    status: Literal["ready"]
    active_model: str


class FieldError(TypedDict):
    field: Annotated[str, Field(description='where: "readings[3].temperature"; empty for the whole body')]
    message: str


class ProblemDetail(TypedDict):
    type: str
    title: str
    status: int
    detail: str
    errors: NotRequired[Annotated[list[FieldError], Field(
        description="what is wrong, field by field (422)")]]
    instance: NotRequired[Annotated[str, Field(
        description="this request: urn:roastnet:request:<X-Request-ID>")]]


class JobProgress(TypedDict):
    seeds_done: Annotated[int, Field(description="seeds trained or found stored so far")]
    seeds_total: int
    step: Annotated[int, Field(description="training step of the batch of seeds under way")]
    steps: int


class Job(TypedDict):
    id: str
    status: Literal["queued", "running", "succeeded", "failed", "cancelled"]
    created_at: str
    started_at: str | None
    finished_at: str | None
    progress: JobProgress
    attempts: Annotated[int, Field(
        description="times a trainer has taken the job (a lost trainer's job runs again)")]
    # As it was accepted, in JSON: the request model names its shape (and its defaults) for the spec.
    request: RetrainRequest
    result: Annotated[RetrainResponse | None, Field(
        description="the models and their comparison, once succeeded")]
    problem: Annotated[ProblemDetail | None, Field(description="why the job failed or was cancelled")]


class JobList(TypedDict):
    jobs: list[Job]
    total: int
    limit: int
    offset: int

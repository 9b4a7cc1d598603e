"""Response models: the shapes of every answer, from which openapi.yaml is generated."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, RootModel, create_model

from model.train import Init
from service.schemas import Normalization, Pair, RetrainRequest

TemperatureUnit = Literal["C", "F"]


class UnitReason(BaseModel):
    neuron: int
    region: str = Field(description='a region key, "unclear", "constant" or "inactive"')
    activation: float
    push: float = Field(description="how far this unit holds the output log-odds below what it "
                                    "gives at its good extreme (≥ 0)")
    boundary_distance: float | None = Field(
        description="distance from the reading to the unit's boundary line, in training standard "
                    "deviations; null for a unit without one")
    reason: str = Field(description="why, in roast words and the reading's temperature unit")


class Prediction(BaseModel):
    temperature: float = Field(description="as sent, in temperature_unit")
    duration: float
    temperature_unit: TemperatureUnit = Field(description="the unit of every temperature in this answer")
    probability: float
    label: Literal["good", "bad"]
    good_roast: bool
    hidden: list[float]
    fired: list[UnitReason] = Field(
        description="the units responsible for a bad verdict, largest push first: the fewest whose "
                    "move to their good side would make the roast good; empty for a good verdict")
    near_bad: list[UnitReason] = Field(
        description="on a good verdict, the units on their bad side or within 0.5 training standard "
                    "deviations of their boundary, nearest first; empty for a bad verdict")
    closest: UnitReason | None = Field(
        description="the unit whose boundary is nearest the reading, in training standard deviations")
    extrapolated: bool = Field(description="the reading lies outside the training ranges")


class PredictResponse(BaseModel):
    model_id: str
    predictions: list[Prediction]


def _optional(schema: dict) -> None:
    schema.pop("default", None)  # a trimmed answer leaves the field out; it is never null


PartialPrediction = create_model(
    "PartialPrediction",
    __doc__="A prediction trimmed by ?fields=: the fields named there, in this order, and no others.",
    **{name: (info.annotation, Field(None, description=info.description, json_schema_extra=_optional))
       for name, info in Prediction.model_fields.items()},
)


class PartialPredictResponse(BaseModel):
    model_id: str
    predictions: list[PartialPrediction]  # type: ignore[valid-type]


class PredictAnswer(RootModel[PredictResponse | PartialPredictResponse]):
    """Every field of each prediction, or with ?fields= only those."""


class PreActivation(BaseModel):
    temperature: float
    duration: float
    bias: float
    total: float


class NeuronState(BaseModel):
    neuron: int
    region: str
    state: Literal["clear", "responsible", "also_bad", "near_bad"] = Field(
        description="responsible: in fired; also_bad: a lesser cause of a bad verdict; near_bad: in "
                    "near_bad; clear: none of these")
    activation: float
    push: float
    boundary_distance: float | None
    pre_activation: PreActivation
    logit_contribution: float
    reason: str


class Shapley(BaseModel):
    baseline_kind: Literal["data", "mean"] = Field(
        description="data: averaged over the model's training readings; mean: against the mean reading")
    baseline: Pair | None = Field(description="the mean reading, for baseline_kind mean")
    background_size: int = Field(description="readings the baseline averages over")
    baseline_probability: float = Field(description="the expected probability over the baseline")
    temperature: float
    duration: float


class Flip(BaseModel):
    temperature: float
    duration: float
    probability: float = Field(description="at least 1e-6 log-odds past the threshold")
    distance: float = Field(description="from the reading, in training standard deviations")


Interval = tuple[float, float]


class ExtrapolatedRanges(BaseModel):
    temperature: list[bool]
    duration: list[bool]


class Counterfactual(BaseModel):
    good_temperature_ranges: list[Interval] = Field(
        description="every interval of temperatures (0–500 °C) that makes a good roast at this duration")
    good_duration_ranges: list[Interval] = Field(
        description="every interval of durations (0–120 min) that makes a good roast at this temperature")
    extrapolated_ranges: ExtrapolatedRanges = Field(
        description="per interval: whether it reaches outside the training range")
    nearest_flip: Flip | None = Field(
        description="the nearest reading with the other verdict, in training standard deviations")


class Explanation(Prediction):
    neurons: list[NeuronState]
    shapley: Shapley
    counterfactual: Counterfactual


class ExplainResponse(BaseModel):
    model_id: str
    predictions: list[Explanation]


class Boundary(BaseModel):
    temperature_coef: float
    duration_coef: float
    intercept: float


class NeuronRole(BaseModel):
    neuron: int
    region: str = Field(description='a region key, "unclear", "constant" or "inactive"')
    agreement: float
    description: str
    boundary: Boundary = Field(description="temperature_coef·t + duration_coef·d + intercept = 0")
    output_weight: float


class NeuronsResponse(BaseModel):
    model_id: str
    neurons: list[NeuronRole]


class MapsResponse(BaseModel):
    model_id: str
    temperature: list[float]
    duration: list[float]
    probability: list[list[float]] = Field(description="rows by duration, columns by temperature")
    neurons: list[list[list[float]]]


class Sample(BaseModel):
    temperature: float
    duration: float
    good_roast: bool


class DatasetResponse(BaseModel):
    data_seed: int
    samples: list[Sample]
    normalization: Normalization


class RecipeModel(BaseModel):
    data_seed: int
    samples: int
    seed: int
    init: Init
    hidden_units: int
    steps: int
    learning_rate: float
    perturbation: float = Field(0.0, description="ε of a symmetric start (absent: 0, a model "
                                                 "stored before perturbations existed)")


class Metrics(BaseModel):
    train_accuracy: float
    grid_accuracy: float
    final_loss: float


class UnitPair(BaseModel):
    units: list[int]
    weight_cosine: float
    max_weight_difference: float
    activation_correlation: float
    max_activation_difference: float


class Symmetry(BaseModel):
    pairs: list[UnitPair]
    duplicate_groups: list[list[int]]
    distinct_units: int


class LossPoint(BaseModel):
    step: int
    loss: float


class ModelSummary(BaseModel):
    id: str
    name: str | None
    source: Literal["recipe", "import"]
    recipe: RecipeModel | None
    metrics: Metrics | None
    active: bool
    created_at: str
    usable: bool
    problem: str | None = None


class ExportedWeights(BaseModel):
    W1: list[list[float]]
    b1: list[float]
    W2: list[list[float]]
    b2: list[float]


class ModelDetail(ModelSummary):
    neurons: list[NeuronRole]
    symmetry: Symmetry
    loss_curve: list[LossPoint]
    weights: ExportedWeights = Field(description="in the import format: POST them back as they are")
    normalization: Normalization


class ModelList(BaseModel):
    models: list[ModelSummary]
    total: int
    limit: int
    offset: int


class RetrainedModel(BaseModel):
    id: str
    seed: int
    created: bool
    metrics: Metrics
    neurons: list[NeuronRole]


class SeedRow(BaseModel):
    seed: int
    model_id: str
    regions: dict[str, list[int]]
    all_regions_covered: bool
    duplicates: list[list[int]]
    train_accuracy: float
    grid_accuracy: float
    separation_step: int | None = Field(
        description="first kept step at which the closest two units are 1,000× further apart than "
                    "at step 0; null when they never are (always, for units started identical) or "
                    "when the model has no trajectory")
    regions_settled_step: int | None = Field(
        description="the kept step from which no unit changes region; null without a trajectory")


class Comparison(BaseModel):
    seeds: list[SeedRow]
    coverage_rate: float
    summary: str


class RetrainResponse(BaseModel):
    models: list[RetrainedModel]
    comparison: Comparison
    activated: str | None


class UnitWeights(BaseModel):
    temperature: float = Field(description="incoming weight of the normalised temperature")
    duration: float = Field(description="incoming weight of the normalised duration")
    bias: float
    output: float = Field(description="the unit's weight in the output unit")


class UnitSnapshot(BaseModel):
    neuron: int
    weights: UnitWeights
    region: str = Field(description='a region key, "unclear", "constant" or "inactive" (as /v1/neurons)')
    agreement: float
    gradient_norm: float = Field(description="‖d loss / d (temperature, duration, bias, output)‖ "
                                             "of this unit's weights at this step")


class UnitDistance(BaseModel):
    units: list[int]
    distance: float = Field(description="Euclidean distance between the two units' weights")


class Snapshot(BaseModel):
    step: int
    loss: float = Field(description="mean binary cross-entropy on the training data")
    output_bias: float
    units: list[UnitSnapshot]
    distances: list[UnitDistance] = Field(description="every pair of units")
    closest_distance: float | None = Field(description="the smallest distance; null for one unit")


class TrajectoryResponse(BaseModel):
    model_id: str
    separation_factor: float = Field(description="the growth of the closest distance that counts "
                                                 "as separated")
    separation_step: int | None
    regions_settled_step: int
    snapshots: list[Snapshot] = Field(description="about 60, at log-spaced steps from 0 to the "
                                                  "last; the last holds the model's weights")


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready"]
    active_model: str


class FieldError(BaseModel):
    field: str = Field(description='where: "readings[3].temperature"; empty for the whole body')
    message: str


class ProblemDetail(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = Field(None, description="what is wrong, field by field (422)")
    instance: str | None = Field(None, description="this request: urn:roastnet:request:<X-Request-ID>")


class JobProgress(BaseModel):
    seeds_done: int = Field(description="seeds trained or found stored so far")
    seeds_total: int
    step: int = Field(description="training step of the batch of seeds under way")
    steps: int


class Job(BaseModel):
    id: str
    status: Literal["queued", "running", "succeeded", "failed", "cancelled"]
    created_at: str
    started_at: str | None
    finished_at: str | None
    progress: JobProgress
    attempts: int = Field(description="times a trainer has taken the job (a lost trainer's job runs again)")
    request: RetrainRequest
    result: RetrainResponse | None = Field(description="the models and their comparison, once succeeded")
    problem: ProblemDetail | None = Field(description="why the job failed or was cancelled")


class JobList(BaseModel):
    jobs: list[Job]
    total: int
    limit: int
    offset: int

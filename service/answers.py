"""Response models: the shapes of every answer, from which openapi.yaml is generated."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from service.schemas import Normalization, Pair


class UnitReason(BaseModel):
    neuron: int
    region: str
    activation: float
    reason: str


class Prediction(BaseModel):
    temperature: float = Field(description="°C")
    duration: float
    probability: float
    label: Literal["good", "bad"]
    good_roast: bool
    hidden: list[float]
    fired: list[UnitReason] = Field(description="units on the side where they signal a bad roast")
    closest: UnitReason = Field(description="the unit nearest (or deepest into) its bad side")
    extrapolated: bool = Field(description="the reading lies outside the training ranges")


class PredictResponse(BaseModel):
    model_id: str
    predictions: list[Prediction]


class PreActivation(BaseModel):
    temperature: float
    duration: float
    bias: float
    total: float


class NeuronState(BaseModel):
    neuron: int
    region: str
    activation: float
    fired: bool
    pre_activation: PreActivation
    logit_contribution: float
    reason: str


class Shapley(BaseModel):
    baseline: Pair
    baseline_probability: float
    temperature: float
    duration: float


class Flip(BaseModel):
    temperature: float
    duration: float
    probability: float


class Counterfactual(BaseModel):
    good_temperature_range: tuple[float, float] | None
    good_duration_range: tuple[float, float] | None
    nearest_flip: Flip | None


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
    region: str
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
    init: Literal["glorot", "symmetric"]
    hidden_units: int
    steps: int
    learning_rate: float


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


class ModelDetail(ModelSummary):
    neurons: list[NeuronRole]
    symmetry: Symmetry
    loss_curve: list[LossPoint]


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


class Comparison(BaseModel):
    seeds: list[SeedRow]
    coverage_rate: float
    summary: str


class RetrainResponse(BaseModel):
    models: list[RetrainedModel]
    comparison: Comparison
    activated: str | None


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready"]
    active_model: str


class ProblemDetail(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    errors: list[dict] | None = None
    instance: str | None = Field(None, description="this request: urn:roastnet:request:<X-Request-ID>")

"""Answers about stored models: the registry's list, one model in full, its training trajectory."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from model.init_names import Init
from service.answers.predictions import NeuronRole
from service.schemas import Normalization

Source = Literal["recipe", "import"]


class RecipeModel(TypedDict):
    data_seed: int
    samples: int
    seed: int
    init: Init
    hidden_units: int
    steps: int
    learning_rate: float
    perturbation: NotRequired[Annotated[float, Field(
        description="ε of a symmetric start (absent: 0, a model stored before perturbations existed)",
        json_schema_extra={"default": 0.0})]]


class Metrics(TypedDict):
    train_accuracy: float
    grid_accuracy: float
    final_loss: float


class UnitPair(TypedDict):
    units: list[int]
    weight_cosine: float
    max_weight_difference: float
    activation_correlation: float
    max_activation_difference: float


class Symmetry(TypedDict):
    pairs: list[UnitPair]
    duplicate_groups: list[list[int]]
    distinct_units: int


class LossPoint(TypedDict):
    step: int
    loss: float


class ModelSummary(TypedDict):
    id: str
    name: str | None
    source: Source
    recipe: RecipeModel | None
    metrics: Metrics | None
    active: bool
    created_at: str
    usable: bool
    problem: Annotated[str | None, Field(description="why a stored model is unusable; null when usable")]


class ExportedWeights(TypedDict):
    W1: list[list[float]]
    b1: list[float]
    W2: list[list[float]]
    b2: list[float]


class ModelDetail(ModelSummary):
    neurons: list[NeuronRole]
    symmetry: Symmetry
    loss_curve: list[LossPoint]
    weights: Annotated[ExportedWeights, Field(
        description="in the import format: POST them back as they are")]
    normalization: Normalization


class ModelList(TypedDict):
    models: list[ModelSummary]
    total: int
    limit: int
    offset: int


class UnitWeights(TypedDict):
    temperature: Annotated[float, Field(description="incoming weight of the normalised temperature")]
    duration: Annotated[float, Field(description="incoming weight of the normalised duration")]
    bias: float
    output: Annotated[float, Field(description="the unit's weight in the output unit")]


class UnitSnapshot(TypedDict):
    neuron: int
    weights: UnitWeights
    region: Annotated[str, Field(
        description='a region key, "unclear", "constant" or "inactive" (as /v1/neurons)')]
    agreement: float
    gradient_norm: Annotated[float, Field(
        description="‖d loss / d (temperature, duration, bias, output)‖ of this unit's weights at "
                    "this step")]


class UnitDistance(TypedDict):
    units: list[int]
    distance: Annotated[float, Field(description="Euclidean distance between the two units' weights")]


class Snapshot(TypedDict):
    step: int
    loss: Annotated[float, Field(description="mean binary cross-entropy on the training data")]
    output_bias: float
    units: list[UnitSnapshot]
    distances: Annotated[list[UnitDistance], Field(description="every pair of units")]
    closest_distance: Annotated[float | None, Field(
        description="the smallest distance; null for one unit")]


class TrajectoryResponse(TypedDict):
    model_id: str
    separation_factor: Annotated[float, Field(
        description="the growth of the closest distance that counts as separated")]
    separation_step: int | None
    regions_settled_step: int
    snapshots: Annotated[list[Snapshot], Field(
        description="about 60, at log-spaced steps from 0 to the last; the last holds the model's "
                    "weights")]

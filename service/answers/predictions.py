"""Answers about readings and units: predict, explain, neurons, maps, dataset."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, NotRequired, get_type_hints

from pydantic import Field, RootModel
from typing_extensions import TypedDict

from service.schemas import Normalization, Pair

TemperatureUnit = Literal["C", "F"]
UnitState = Literal["clear", "responsible", "also_bad", "near_bad"]
Region = Annotated[str, Field(description='a region key, "unclear", "constant" or "inactive"')]


class UnitReason(TypedDict):
    neuron: int
    region: Region
    activation: float
    push: Annotated[float, Field(description="how far this unit holds the output log-odds below "
                                             "what it gives at its good extreme (≥ 0)")]
    boundary_distance: Annotated[float | None, Field(
        description="distance from the reading to the unit's boundary line, in training standard "
                    "deviations; null for a unit without one")]
    reason: Annotated[str, Field(description="why, in roast words and the reading's temperature unit")]


class Prediction(TypedDict):
    temperature: Annotated[float, Field(description="as sent, in temperature_unit")]
    duration: float
    temperature_unit: Annotated[TemperatureUnit, Field(
        description="the unit of every temperature in this answer")]
    probability: float
    label: Literal["good", "bad"]
    good_roast: bool
    hidden: list[float]
    fired: Annotated[list[UnitReason], Field(
        description="the units responsible for a bad verdict, largest push first: the fewest whose "
                    "move to their good side would make the roast good; empty for a good verdict")]
    near_bad: Annotated[list[UnitReason], Field(
        description="on a good verdict, the units on their bad side or within 0.5 training standard "
                    "deviations of their boundary, nearest first; empty for a bad verdict")]
    closest: Annotated[UnitReason | None, Field(
        description="the unit whose boundary is nearest the reading, in training standard deviations")]
    extrapolated: Annotated[bool, Field(description="the reading lies outside the training ranges")]


class PredictResponse(TypedDict):
    model_id: str
    predictions: list[Prediction]


# Prediction with every field optional, derived so that the two cannot drift apart. mypy cannot
# follow a TypedDict built at run time, so to it a trimmed prediction is a plain mapping.
_HINTS = get_type_hints(Prediction, include_extras=True)
if TYPE_CHECKING:
    PartialPrediction = dict[str, Any]
else:
    PartialPrediction = TypedDict("PartialPrediction", {
        name: NotRequired[hint] for name, hint in _HINTS.items()})
    PartialPrediction.__doc__ = ("A prediction trimmed by ?fields=: the fields named there, in this "
                                 "order, and no others.")


class PartialPredictResponse(TypedDict):
    model_id: str
    predictions: list[PartialPrediction]


# The same fields as columns (?layout=columns): one list per field, in the readings' order.
if TYPE_CHECKING:
    PredictionColumns = dict[str, list[Any]]
else:
    PredictionColumns = TypedDict("PredictionColumns", {
        name: NotRequired[list[hint]] for name, hint in _HINTS.items()})
    PredictionColumns.__doc__ = ("The predictions by field (?layout=columns): for each field answered, "
                                 "a list with one entry per reading, in the readings' order.")


class ColumnsPredictResponse(TypedDict):
    model_id: str
    predictions: PredictionColumns


class PredictAnswer(RootModel[PredictResponse | PartialPredictResponse | ColumnsPredictResponse]):
    """Every field of each prediction, or with ?fields= only those; ?layout=columns: a list per field."""

    # Only the spec's name for the union: the code builds one of the two TypedDicts.


class PreActivation(TypedDict):
    temperature: float
    duration: float
    bias: float
    total: float


class NeuronState(TypedDict):
    neuron: int
    region: str
    state: Annotated[UnitState, Field(
        description="responsible: in fired; also_bad: a lesser cause of a bad verdict; near_bad: in "
                    "near_bad; clear: none of these")]
    activation: float
    push: float
    boundary_distance: float | None
    pre_activation: PreActivation
    logit_contribution: float
    reason: str


class Shapley(TypedDict):
    baseline_kind: Annotated[Literal["data", "mean"], Field(
        description="data: averaged over the model's training readings; mean: against the mean reading")]
    baseline: Annotated[Pair | None, Field(description="the mean reading, for baseline_kind mean")]
    background_size: Annotated[int, Field(description="readings the baseline averages over")]
    baseline_probability: Annotated[float, Field(description="the expected probability over the baseline")]
    temperature: float
    duration: float


class Flip(TypedDict):
    temperature: float
    duration: float
    probability: Annotated[float, Field(description="at least 1e-6 log-odds past the threshold")]
    distance: Annotated[float, Field(description="from the reading, in training standard deviations")]


Interval = tuple[float, float]


class ExtrapolatedRanges(TypedDict):
    temperature: list[bool]
    duration: list[bool]


class Counterfactual(TypedDict):
    good_temperature_ranges: Annotated[list[Interval], Field(
        description="every interval of temperatures (0–500 °C) that makes a good roast at this duration")]
    good_duration_ranges: Annotated[list[Interval], Field(
        description="every interval of durations (0–120 min) that makes a good roast at this temperature")]
    extrapolated_ranges: Annotated[ExtrapolatedRanges, Field(
        description="per interval: whether it reaches outside the training range")]
    nearest_flip: Annotated[Flip | None, Field(
        description="the nearest reading with the other verdict, in training standard deviations")]


class Explanation(Prediction):
    neurons: list[NeuronState]
    shapley: Shapley
    counterfactual: Counterfactual


class ExplainResponse(TypedDict):
    model_id: str
    predictions: list[Explanation]


class Boundary(TypedDict):
    temperature_coef: float
    duration_coef: float
    intercept: float


class NeuronRole(TypedDict):
    neuron: int
    region: Region
    agreement: float
    description: str
    boundary: Annotated[Boundary, Field(description="temperature_coef·t + duration_coef·d + intercept = 0")]
    output_weight: float


class NeuronsResponse(TypedDict):
    model_id: str
    neurons: list[NeuronRole]


class MapsResponse(TypedDict):
    model_id: str
    temperature: list[float]
    duration: list[float]
    probability: Annotated[list[list[float]], Field(description="rows by duration, columns by temperature")]
    neurons: list[list[list[float]]]


class Sample(TypedDict):
    temperature: float
    duration: float
    good_roast: bool


class DatasetResponse(TypedDict):
    data_seed: int
    samples: list[Sample]
    normalization: Normalization

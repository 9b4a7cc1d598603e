"""Request models and their limits: with service/answers/, the source of openapi.yaml."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
    with_config,
)
from typing_extensions import TypedDict

from model.data import (
    MAX_SAMPLES,
    MIN_SAMPLES,
    VALID_DURATION_RANGE,
    VALID_TEMPERATURE_RANGE,
    to_celsius,
    to_fahrenheit,
)
from model.init_names import Init
from model.network import MAX_HIDDEN_UNITS
from model.train import MAX_SEED, MAX_STEPS, Recipe

TEMPERATURE_LIMITS_C = VALID_TEMPERATURE_RANGE
DURATION_LIMITS_MIN = VALID_DURATION_RANGE
MAX_BATCH = 10_000
MAX_EXPLAIN_BATCH = 1_000
MAX_SEEDS = 64
MODELS_PAGE, MAX_MODELS_PAGE = 50, 500  # GET /v1/models?limit= (and roastnet models --limit)
_DEFAULT = Recipe()

Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]


def _integral(value: object) -> object:
    """Take 10.0 as 10: JSON Schema counts a number with a zero fraction as an integer."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


# The validator after the Field: then pydantic writes the bounds as JSON Schema's minimum/maximum.
Integer = Annotated[int, Field(strict=True), BeforeValidator(_integral)]


STRICT = ConfigDict(extra="forbid")


class Strict(BaseModel):
    model_config = STRICT


_C, _F = TEMPERATURE_LIMITS_C, tuple(to_fahrenheit(c) for c in TEMPERATURE_LIMITS_C)


class Reading(Strict):
    """One roast: temperature (°C unless temperature_unit is F) and duration in minutes."""

    # The temperature must lie in TEMPERATURE_LIMITS_C once in °C; service/readings.py checks that
    # for a whole batch at once, which is much cheaper than a validator per reading. The JSON schema
    # says the same with if/then/else, so that clients and fuzzers see the rule.

    model_config = ConfigDict(json_schema_extra={
        "if": {"properties": {"temperature_unit": {"const": "F"}}, "required": ["temperature_unit"]},
        "then": {"properties": {"temperature": {"minimum": _F[0], "maximum": _F[1]}}},
        "else": {"properties": {"temperature": {"minimum": _C[0], "maximum": _C[1]}}},
    })

    temperature: Number = Field(ge=min(_C[0], _F[0]), le=max(_C[1], _F[1]),
                                description="roast temperature in °C (0…500), or in °F (32…932) "
                                            "when temperature_unit is F")
    duration: Number = Field(gt=DURATION_LIMITS_MIN[0], le=DURATION_LIMITS_MIN[1],
                             description="roast duration in minutes")
    temperature_unit: Literal["C", "F"] = "C"

    @property
    def celsius(self) -> float:
        return to_celsius(self.temperature) if self.temperature_unit == "F" else self.temperature


TEMPERATURE_RULE = (f"temperature must be between {_C[0]:g} and {_C[1]:g} °C "
                    f"({_F[0]:g} and {_F[1]:g} °F)")


Threshold = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, lt=1,
                                   description="probability at or above which a roast is good")]


DEFAULT_THRESHOLD = 0.5


class SingleRequest(Reading):
    threshold: Threshold = DEFAULT_THRESHOLD


# The routes check the batch limits first (ROASTNET_MAX_PREDICT_READINGS and
# ROASTNET_MAX_EXPLAIN_READINGS may change them); the schema states the defaults for clients.
class BatchRequest(Strict):
    readings: list[Reading] = Field(min_length=1, json_schema_extra={"maxItems": MAX_BATCH})
    threshold: Threshold = DEFAULT_THRESHOLD


class ExplainBatchRequest(BatchRequest):
    readings: list[Reading] = Field(min_length=1, json_schema_extra={"maxItems": MAX_EXPLAIN_BATCH})


# Shapes that requests and answers share (an import's normalisation is the one a model answers
# with): TypedDicts, so that the code building an answer is type-checked against them, and
# validated like the Strict models when a request carries them.
@with_config(STRICT)
class Pair(TypedDict):
    temperature: Number
    duration: Number


Positive = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0)]


@with_config(STRICT)
class Spread(TypedDict):
    temperature: Positive
    duration: Positive


@with_config(STRICT)
class Normalization(TypedDict):
    mean: Pair
    std: Spread


Seed = Annotated[int, Field(strict=True, ge=0, le=MAX_SEED), BeforeValidator(_integral)]


class RetrainRequest(Strict):
    seeds: list[Seed] = Field(min_length=1, max_length=MAX_SEEDS, json_schema_extra={"uniqueItems": True})
    init: Init = _DEFAULT.init
    hidden_units: Integer = Field(_DEFAULT.hidden_units, ge=1, le=MAX_HIDDEN_UNITS)
    steps: Integer = Field(_DEFAULT.steps, ge=1, le=MAX_STEPS)
    learning_rate: float = Field(_DEFAULT.learning_rate, strict=True, allow_inf_nan=False,
                                 gt=0, le=1)
    data_seed: Seed = _DEFAULT.data_seed
    samples: Integer = Field(_DEFAULT.samples, ge=MIN_SAMPLES, le=MAX_SAMPLES)
    perturbation: float = Field(_DEFAULT.perturbation, strict=True, allow_inf_nan=False, ge=0, le=1,
                                description="ε for init symmetric: each unit starts as the same "
                                            "weights plus ε × standard-normal noise drawn from "
                                            "the seed; 0 for identical units")
    activate: Seed | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RetrainRequest:
        if len(set(self.seeds)) != len(self.seeds):
            raise ValueError("seeds must be distinct")
        if self.activate is not None and self.activate not in self.seeds:
            raise ValueError("activate must be one of the seeds")
        if self.perturbation and self.init != "symmetric":
            raise ValueError("perturbation applies to init symmetric only")
        return self


Units = Annotated[list[Number], Field(min_length=1, max_length=MAX_HIDDEN_UNITS)]
One = Annotated[list[Number], Field(min_length=1, max_length=1)]


class Weights(Strict):
    """Weights on normalised inputs: W1 is 2 × H, b1 and W2 have H entries (1…8), b2 one."""

    W1: list[Units] = Field(min_length=2, max_length=2, description="2 × H: rows temperature, duration")
    b1: Units
    W2: list[One] = Field(min_length=1, max_length=MAX_HIDDEN_UNITS, description="H × 1")
    b2: One


class ImportRequest(Strict):
    name: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                             json_schema_extra={"not": {"const": "active"}},
                             description='letters, digits, "_", "." and "-"; not "active"')
    weights: Weights
    normalization: Normalization | None = Field(None, description="defaults to the lab data's")


    @field_validator("name")
    @classmethod
    def _not_a_route(cls, name: str | None) -> str | None:
        if name == "active":
            raise ValueError('"active" names a route, not a model; choose another name')
        return name


class ActivateRequest(Strict):
    id: str = Field(min_length=1, max_length=64)

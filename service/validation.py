"""Validation of requests against service/schemas.py, with the problems the API and the CLI both give."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from pydantic import BaseModel, ValidationError

from service.problems import MalformedJSON, ValidationProblem
from service.schemas import TEMPERATURE_LIMITS_C, TEMPERATURE_RULE

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

    from service.answers import FieldError

M = TypeVar("M", bound=BaseModel)


def parse(schema: type[M], raw: bytes) -> M:
    """Validate JSON bytes against ``schema``; 400 for broken JSON, 422 for the wrong content."""
    try:
        return schema.model_validate_json(raw)
    except ValidationError as exc:
        raise _problem_from(exc) from None


def _problem_from(exc: ValidationError) -> MalformedJSON | ValidationProblem:
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    first = errors[0]
    if first["type"] == "json_invalid":
        message = first["msg"].removeprefix("Invalid JSON: ")
        if "recursion" in message:
            return ValidationProblem("the JSON is nested deeper than the schema allows")
        return MalformedJSON(f"the body is not valid JSON: {message}")
    shown: list[FieldError] = [{"field": _where(e["loc"]), "message": _message(e)} for e in errors[:20]]
    detail = "; ".join(f"{e['field'] or 'body'}: {e['message']}" for e in shown[:3])
    if len(errors) > 3:
        detail += f" (and {len(errors) - 3} more)"
    return ValidationProblem(detail, errors=shown)


def _where(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not str(part).startswith(("function-", "tagged-union")):
            path += f".{part}" if path else str(part)
    return path


def _message(error: ErrorDetails) -> str:
    kind, msg = error["type"], error["msg"]
    if kind == "finite_number":
        return "must be a finite number (NaN and Infinity are not allowed)"
    if kind == "extra_forbidden":
        return "is not a known field"
    bound = kind in ("less_than_equal", "greater_than_equal")
    if bound and error["loc"] and error["loc"][-1] == "temperature":
        return TEMPERATURE_RULE
    return msg.removeprefix("Value error, ")


def check(schema: type[M], data: dict[str, Any]) -> M:
    """Validate Python values (the CLI's arguments) against ``schema`` with the API's problems."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise _problem_from(exc) from None


def check_temperatures(celsius: Sequence[float] | np.ndarray, where: str = "") -> None:
    """Refuse the first temperature outside TEMPERATURE_LIMITS_C (°C), all checked at once;
    ``where`` formats its field prefix with the reading's index."""
    lo, hi = TEMPERATURE_LIMITS_C
    if len(celsius) <= 8 and not isinstance(celsius, np.ndarray):  # one reading: numpy costs more
        first = next((i for i, c in enumerate(celsius) if c < lo or c > hi), None)
    else:
        c = np.asarray(celsius, dtype=np.float64)
        outside = (c < lo) | (c > hi)
        first = int(outside.argmax()) if outside.any() else None
    if first is not None:
        field = where.format(first) + "temperature"
        raise ValidationProblem(f"{field}: {TEMPERATURE_RULE}",
                                errors=[{"field": field, "message": TEMPERATURE_RULE}])

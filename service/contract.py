"""Each operation's contract, declared on its view: what openapi.yaml says of it, and its parameters.

``@operation(...)`` records the contract against the view (service/spec.py finds it through the
app's url_map) and, with ``admin=True``, refuses the call without the admin token. Query
parameters are objects the view reads with ``.read()``, so a bound or a default is written once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Generic, TypeVar

from flask import request

from service.auth import check_admin
from service.errors import ValidationProblem

READ_PROBLEMS = (404, 409, 422)  # 422: an empty ?model=
BODY_PROBLEMS = (400, 413, 415, 422)


def query_value(name: str) -> str | None:
    """Return the first value of query parameter ``name``, or None: ``request.args.get`` makes
    and catches a werkzeug exception for each parameter left out, about 1 µs."""
    if not request.environ.get("QUERY_STRING"):  # most requests: no query to parse at all
        return None
    args = request.args
    return args[name] if name in args else None  # noqa: SIM401  (get() is what costs)


class Param:
    """A path, query or header parameter as openapi.yaml describes it."""

    def __init__(self, name: str, where: str, description: str, schema: dict[str, Any],
                 example: str | None = None) -> None:
        self.name, self.where, self.description, self.schema = name, where, description, schema
        self.example = example

    def spec(self) -> dict[str, Any]:
        found = {"name": self.name, "in": self.where, "required": self.where == "path",
                 "description": self.description, "schema": self.schema}
        return found if self.example is None else {**found, "example": self.example}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.where})"


class IntQuery(Param):
    """A whole number from lo to hi in the query; default when left out."""

    def __init__(self, name: str, lo: int, hi: int, default: int, description: str) -> None:
        super().__init__(name, "query", description,
                         {"type": "integer", "minimum": lo, "maximum": hi, "default": default})
        self.lo, self.hi, self.default = lo, hi, default

    def read(self) -> int:
        raw = query_value(self.name)
        if raw is None:
            return self.default
        wrong = f"{self.name} must be a whole number from {self.lo} to {self.hi}"
        try:
            value = int(raw)
        except ValueError:
            try:  # 3.0 and 1e3 are whole numbers too (JSON Schema's integer)
                number = float(raw)
            except ValueError:
                raise ValidationProblem(wrong) from None
            if not number.is_integer():
                raise ValidationProblem(wrong) from None
            value = int(number)
        if not self.lo <= value <= self.hi:
            raise ValidationProblem(f"{wrong}, got {value}")
        return value


Default = TypeVar("Default", bound=str | None)


class ChoiceQuery(Param, Generic[Default]):
    """One of a few words in the query; default (None: no choice) when left out."""

    def __init__(self, name: str, choices: tuple[str, ...], default: Default, description: str) -> None:
        schema: dict[str, Any] = {"type": "string", "enum": list(choices)}
        super().__init__(name, "query", description,
                         schema if default is None else {**schema, "default": default})
        self.choices, self.default = choices, default

    def read(self) -> str | Default:
        raw = query_value(self.name)
        if raw is None:
            return self.default
        if raw not in self.choices:
            raise ValidationProblem(f"{self.name} must be one of {', '.join(self.choices)}, got {raw!r}")
        return raw


class OpenRangeQuery(Param):
    """A number strictly between two bounds in the query; default when left out."""

    def __init__(self, name: str, above: float, below: float, default: float, description: str) -> None:
        super().__init__(name, "query", description,
                         {"type": "number", "exclusiveMinimum": above, "exclusiveMaximum": below})
        self.above, self.below, self.default = above, below, default

    def read(self) -> float:
        raw = query_value(self.name)
        if raw is None:
            return self.default
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not self.above < value < self.below:  # NaN fails too
            raise ValidationProblem(f"{self.name} must be a number between {self.above:g} and "
                                    f"{self.below:g} (exclusive), got {raw!r}")
        return value


@dataclass(frozen=True)
class Link:
    """An operation a client can call next with a value from this answer (an OpenAPI link)."""

    method: str
    path: str
    parameter: str
    pointer: str  # JSON pointer into the answer's body
    description: str


@dataclass(frozen=True)
class Contract:
    """What openapi.yaml says of one operation besides its method and path."""

    summary: str
    description: str
    answer: tuple[int, Any]  # (status, answer model; or "yaml", "html", "static", "text", None)
    body: Any = None  # a request model, or a tuple of those the body may be
    problems: tuple[int, ...] = ()
    params: tuple[Param, ...] = ()
    admin: bool = False
    also_ok: tuple[int, str] | None = None  # a second successful status, with its words
    media: tuple[dict[str, Any], dict[str, Any]] = ({}, {})  # other media types: (request, answer)
    sends: dict[int, tuple[str, ...]] = field(default_factory=dict)  # components.headers, by status
    headers: dict[int, dict[str, Any]] = field(default_factory=dict)  # headers described here
    links: dict[int, dict[str, Link]] = field(default_factory=dict)
    cached: bool = True  # a GET answer carries an ETag and may be 304 (the view may say otherwise)


View = TypeVar("View", bound=Callable[..., Any])
CONTRACTS: dict[Callable[..., Any], Contract] = {}  # the view a route calls -> its contract


def operation(summary: str, description: str, answer: tuple[int, Any], **rest: Any) -> Callable[[View], View]:
    """Declare the view's contract; admin=True also refuses it without the admin token."""
    contract = Contract(summary, description, answer, **rest)

    def declare(view: View) -> View:
        if contract.admin:
            plain = view

            @wraps(plain)
            def guarded(*args: Any, **kwargs: Any) -> Any:
                check_admin()
                return plain(*args, **kwargs)

            view = guarded  # type: ignore[assignment]
        CONTRACTS[view] = contract
        return view

    return declare

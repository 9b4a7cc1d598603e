"""What a predict answer carries per reading: ``?fields=`` and the ``text/csv`` table.

Fields that need no explanation (the reading, probability, label, activations) come straight
from the forward pass, so a trimmed batch skips responsibility and sentences entirely.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import orjson
from flask import request

from model.data import outside_domain
from service import present
from service.answers import (
    ColumnsPredictResponse,
    PartialPrediction,
    PartialPredictResponse,
    Prediction,
    PredictResponse,
    UnitReason,
)
from service.contract import query_value
from service.present import Tally
from service.problems import ValidationProblem
from service.readings import Readings
from service.stored import StoredModel

FIELDS: tuple[str, ...] = tuple(Prediction.__annotations__)
PLAIN = frozenset(("temperature", "duration", "temperature_unit", "probability", "label",
                   "good_roast", "hidden", "extrapolated"))
CSV_FIELDS = tuple(f for f in FIELDS if f not in ("hidden", "near_bad", "closest"))
CSV_TYPE = "text/csv"
_LABELS = np.array(["bad", "good"], dtype=object)  # indexed by the verdict: two shared strings


def requested(default: tuple[str, ...] = FIELDS) -> tuple[str, ...]:
    """Return the fields ?fields= names, in the answer's order (``default`` without it)."""
    raw = query_value("fields")
    if raw is None:
        return default
    names = [name.strip() for name in raw.split(",")]
    unknown = [name for name in names if name not in FIELDS]
    if unknown:
        raise ValidationProblem(f"fields must be a comma-separated list of {', '.join(FIELDS)}; "
                                f"{', '.join(map(repr, unknown))} is not one")
    return tuple(f for f in FIELDS if f in names)


def wants_csv() -> bool:
    """Say whether Accept prefers CSV to JSON; one that names neither text/csv nor text/* cannot."""
    accept = request.environ.get("HTTP_ACCEPT", "").lower()
    if "csv" not in accept and "text/*" not in accept:
        return False
    return request.accept_mimetypes.best_match(("application/json", CSV_TYPE)) == CSV_TYPE


class Answer(NamedTuple):
    """A predict answer before it is written: one dict per reading, or columns of plain values."""

    fields: tuple[str, ...]
    rows: list[Prediction] | None  # every field, when the fields needed explaining
    columns: list[list[Any]] | None  # one list per field otherwise
    tally: Tally

    def json_body(self, model_id: str, layout: str = "rows",
                  ) -> PredictResponse | PartialPredictResponse | ColumnsPredictResponse:
        """Return the JSON answer: a list with an object per reading, or (``layout="columns"``)
        an object with a list per field."""
        if layout == "columns":
            return {"model_id": model_id, "predictions": dict(zip(self.fields, self.by_field(), strict=True))}
        if self.rows is not None and len(self.fields) == len(FIELDS):
            return {"model_id": model_id, "predictions": self.rows}
        return {"model_id": model_id, "predictions": self.trimmed()}

    def by_field(self) -> list[list[Any]]:
        """Return one list per field, each in the readings' order."""
        if self.columns is not None:
            return self.columns
        rows: Sequence[Mapping[str, Any]] = self.rows or []
        return [[row[f] for row in rows] for f in self.fields]

    def trimmed(self) -> list[PartialPrediction]:
        if self.rows is not None:
            return [_trimmed(row, self.fields) for row in self.rows]
        assert self.columns is not None
        return _builder(self.fields)(self.columns)

    def csv(self) -> str:
        """Write one row per reading after a header row. Unit lists become neuron numbers joined
        by ";", and ``fired`` is followed by ``reasons``, its units' reasons joined by " | "."""
        columns = self.by_field()
        header: list[str] = []
        cells: list[list[Any]] = []
        for f, column in zip(self.fields, columns, strict=True):
            header.append(f)
            cells.append(_NUMBERS[f](column) if f in _NUMBERS else
                         list(map(_CELLS[f], column)) if f in _CELLS else column)
            if f == "fired":
                header.append("reasons")
                cells.append([" | ".join(u["reason"] for u in units) for units in column])
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(zip(*cells, strict=True))
        return out.getvalue()


def answer(model: StoredModel, r: Readings, fields: tuple[str, ...]) -> Answer:
    """Answer ``fields`` for each reading, explaining only when a field needs it."""
    regions = [role.region for role in model.roles]
    if not PLAIN.issuperset(fields):
        v = model.explainer.predict_many(r.celsius, r.durations, r.threshold, r.units)
        full = present.predictions(v, r.sent)
        return Answer(fields, full, None, Tally(model.id, v.good_roast, v.state, regions))
    # One reading takes the one-reading pass: the batch pass's bits, without its numpy calls
    # (they cost ten times the whole sum); the fields below are the same for both.
    if len(r.sent) == 1:
        t, d = float(r.celsius[0]), float(r.durations[0])
        _, one_hidden, _, one_p = model.network.outputs_at(t, d)
        hidden, p = np.array([one_hidden]), np.array([one_p])
    else:
        _, hidden, _, p = model.network.outputs(r.celsius, r.durations)
    good = p >= r.threshold
    make = {
        "temperature": lambda: r.sent,
        "duration": r.durations.tolist,
        "temperature_unit": lambda: r.units,
        "probability": p.tolist,
        "label": lambda: _LABELS[good.view(np.int8)].tolist(),
        "good_roast": good.tolist,
        "hidden": hidden.tolist,
        "extrapolated": lambda: outside_domain(r.celsius, r.durations).tolist(),
    }
    return Answer(fields, None, [make[f]() for f in fields], Tally(model.id, good, None, regions))


def _trimmed(row: Mapping[str, Any], fields: tuple[str, ...]) -> PartialPrediction:
    return {f: row[f] for f in fields}


@functools.cache
def _builder(fields: tuple[str, ...]) -> Callable[[list[list[Any]]], list[PartialPrediction]]:
    """Return a function turning columns into one dict per reading with a dict display.

    ``{"probability": p, "label": l}`` is built about three times faster than ``dict(zip(...))``;
    the names come from FIELDS only, never from the request.
    """
    assert set(fields) <= set(FIELDS)
    names = [f"v{i}" for i in range(len(fields))]
    entries = ", ".join(f"{f!r}: {v}" for f, v in zip(fields, names, strict=True))
    made: Callable[[list[list[Any]]], list[PartialPrediction]] = eval(  # noqa: S307
        f"lambda columns: [{{{entries}}} for {', '.join(names)}, in zip(*columns)]")
    return made


def _units(units: list[UnitReason]) -> str:
    return ";".join(str(u["neuron"]) for u in units)


def _numbers(values: list[float]) -> list[str]:
    """Return each number as the JSON answer writes it: orjson's shortest text that reads back
    as the same float, for a whole column at once (several times faster than repr per cell)."""
    return orjson.dumps(values).decode()[1:-1].split(",") if values else []


def _floats(values: list[float]) -> str:
    return ";".join(_numbers(values))


def _closest(unit: UnitReason | None) -> str:
    return "" if unit is None else str(unit["neuron"])


def _bool(value: bool) -> str:
    return "true" if value else "false"


_NUMBERS: dict[str, Callable[[list[float]], list[str]]] = {
    "temperature": _numbers, "duration": _numbers, "probability": _numbers}
_CELLS: dict[str, Callable[[Any], str]] = {"fired": _units, "near_bad": _units, "hidden": _floats,
                                           "closest": _closest, "good_roast": _bool, "extrapolated": _bool}

"""What a predict answer carries per reading: ``?fields=`` and the ``text/csv`` table.

Fields that need no explanation (the reading, probability, label, activations) come straight
from the forward pass, so a trimmed batch skips responsibility and sentences entirely.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable
from typing import Any

import numpy as np
from flask import request

from model.data import outside_domain
from service import present
from service.answers import Prediction
from service.errors import ValidationProblem
from service.present import Tally
from service.readings import Readings
from service.stored import StoredModel

FIELDS: tuple[str, ...] = tuple(Prediction.model_fields)
PLAIN = frozenset(("temperature", "duration", "temperature_unit", "probability", "label",
                   "good_roast", "hidden", "extrapolated"))
CSV_FIELDS = tuple(f for f in FIELDS if f not in ("hidden", "near_bad", "closest"))
CSV_TYPE = "text/csv"


def requested(default: tuple[str, ...] = FIELDS) -> tuple[str, ...]:
    """Return the fields ?fields= names, in the answer's order (``default`` without it)."""
    raw = request.args.get("fields")
    if raw is None:
        return default
    names = [name.strip() for name in raw.split(",")]
    unknown = [name for name in names if name not in FIELDS]
    if unknown:
        raise ValidationProblem(f"fields must be a comma-separated list of {', '.join(FIELDS)}; "
                                f"{', '.join(map(repr, unknown))} is not one")
    return tuple(f for f in FIELDS if f in names)


def wants_csv() -> bool:
    return request.accept_mimetypes.best_match(("application/json", CSV_TYPE)) == CSV_TYPE


def rows(model: StoredModel, r: Readings, fields: tuple[str, ...]) -> tuple[list[dict[str, Any]], Tally]:
    """Return one dict per reading holding ``fields``, and what they say for logs and metrics."""
    regions = [role.region for role in model.roles]
    if not PLAIN.issuperset(fields):
        v = model.explainer.predict_many(r.celsius, r.durations, r.threshold, r.units)
        full = present.predictions(v, r.sent)
        tally = Tally(model.id, v.good_roast, v.state, regions)
        if len(fields) == len(FIELDS):
            return full, tally
        return [{f: row[f] for f in fields} for row in full], tally
    _, hidden, _, p = model.explainer.outputs(r.celsius, r.durations)
    good = p >= r.threshold
    make = {
        "temperature": lambda: r.sent,
        "duration": r.durations.tolist,
        "temperature_unit": lambda: r.units,
        "probability": p.tolist,
        "label": lambda: np.where(good, "good", "bad").tolist(),
        "good_roast": good.tolist,
        "hidden": hidden.tolist,
        "extrapolated": lambda: outside_domain(r.celsius, r.durations).tolist(),
    }
    answers = _builder(fields)([make[f]() for f in fields])
    return answers, Tally(model.id, good, None, regions)


@functools.cache
def _builder(fields: tuple[str, ...]) -> Callable[[list[list[Any]]], list[dict[str, Any]]]:
    """Return a function turning columns into one dict per reading with a dict display.

    ``{"probability": p, "label": l}`` is built about three times faster than ``dict(zip(...))``;
    the names come from FIELDS only, never from the request.
    """
    assert set(fields) <= set(FIELDS)
    names = [f"v{i}" for i in range(len(fields))]
    entries = ", ".join(f"{f!r}: {v}" for f, v in zip(fields, names, strict=True))
    return eval(f"lambda columns: [{{{entries}}} for {', '.join(names)}, in zip(*columns)]")  # noqa: S307


def table(answers: list[dict[str, Any]], fields: tuple[str, ...]) -> str:
    """Write the answers as CSV: one row per reading; unit lists as neuron numbers joined by ";",
    and after ``fired`` a ``reasons`` column with the fired units' reasons joined by " | "."""
    header = [c for f in fields for c in ((f, "reasons") if f == "fired" else (f,))]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    cells = {"fired": _units, "near_bad": _units, "hidden": _floats, "closest": _closest,
             "good_roast": _bool, "extrapolated": _bool}
    for answer in answers:
        row: list[Any] = []
        for f in fields:
            value = answer[f]
            row.append(cells[f](value) if f in cells else value)
            if f == "fired":
                row.append(" | ".join(u["reason"] for u in value))
        writer.writerow(row)
    return out.getvalue()


def _units(units: list[dict[str, Any]]) -> str:
    return ";".join(str(u["neuron"]) for u in units)


def _floats(values: list[float]) -> str:
    return ";".join(map(repr, values))


def _closest(unit: dict[str, Any] | None) -> str:
    return "" if unit is None else str(unit["neuron"])


def _bool(value: bool) -> str:
    return "true" if value else "false"

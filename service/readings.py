"""Readings from a request body: one JSON reading, a JSON batch or a CSV table.

A batch is checked column by column first, which is far cheaper than a pydantic model per
reading. Whatever that check does not accept goes through the pydantic schemas, so every refusal
has the schema's own words; a test holds the two to the same verdict on generated bodies.
"""

from __future__ import annotations

import csv
import io
import re
from operator import itemgetter
from typing import Any, NamedTuple

import numpy as np
import orjson
import pydantic_core

from model.data import to_celsius, to_fahrenheit
from service.problems import MalformedJSON, ValidationProblem
from service.schemas import (
    DEFAULT_THRESHOLD,
    DURATION_LIMITS_MIN,
    TEMPERATURE_LIMITS_C,
    BatchRequest,
    Reading,
    SingleRequest,
)
from service.validation import check, check_temperatures, parse

CSV_COLUMNS = ("temperature", "duration", "temperature_unit")
_NUMBERS = frozenset((float, int))
_TEMPERATURE, _DURATION = itemgetter("temperature"), itemgetter("duration")
_C_LO, _C_HI = TEMPERATURE_LIMITS_C
_T_LO, _T_HI = min(_C_LO, to_fahrenheit(_C_LO)), max(_C_HI, to_fahrenheit(_C_HI))
# A CSV table the one-pass reader takes: every line two JSON-like numbers, then a C or F unit when
# the header has three columns. The careful reader takes the rest: any integer -0, which is 0 in
# JSON and -0.0 to float(), and numbers over 80 characters or with over 20 blanks beside them
# (orjson 3.13 misrounds a halfway value written with some 800 digits, and the csv module
# refuses cells past 131,072 characters).
_BLANKS = r"[ \t]{0,20}+"
_NUMBER = rf"{_BLANKS}[0-9eE.+\-]{{1,80}}+{_BLANKS}"
_PLAIN_TABLE = {2: re.compile(rf"(?:{_NUMBER},{_NUMBER}\r?\n)++"),
                3: re.compile(rf"(?:{_NUMBER},{_NUMBER},{_BLANKS}[cCfF]{_BLANKS}\r?\n)++")}
_NEGATIVE_ZERO = re.compile(r"-0(?![.0-9eE])")


class Readings(NamedTuple):
    celsius: np.ndarray
    durations: np.ndarray
    sent: list[float]  # the temperatures as the client sent them
    units: list[str]  # "C" or "F" per reading
    threshold: float


def from_json(raw: bytes, limit: int, batch_schema: type[BatchRequest] = BatchRequest,
              threshold: float = DEFAULT_THRESHOLD) -> Readings:
    """Parse one reading or {"readings": [...], "threshold": ...} (a batch by its parsed keys).

    ``threshold`` applies when the body sets none.
    """
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:  # NaN, Infinity and integers past 64 bits: pydantic's parser reads them
            doc = pydantic_core.from_json(raw)
        except ValueError:
            doc = None  # parse() below says what is wrong with it
    if not (isinstance(doc, dict) and "readings" in doc):
        one = parse(SingleRequest, raw)
        return _checked([one], one.threshold if "threshold" in one.model_fields_set else threshold, "")
    items = doc["readings"]
    if isinstance(items, list):
        _within(limit, len(items))
    if doc.keys() <= {"readings", "threshold"}:
        fast = _columns(items, doc.get("threshold", threshold))
        if fast is not None:
            return fast
    batch = parse(batch_schema, raw)
    return _checked(batch.readings, batch.threshold if "threshold" in batch.model_fields_set
                    else threshold, "readings[{}].")


def from_csv(raw: bytes, limit: int, threshold: float) -> Readings:
    """Parse a CSV table with a header row: temperature,duration[,temperature_unit]."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedJSON(f"the CSV body is not UTF-8: {exc.reason} at byte {exc.start}") from None
    first = text.partition("\n")[0].rstrip("\r")
    header = [cell.strip().lower() for cell in first.split(",")]
    # A header the csv module reads as this one: no line break inside, no cell past its size limit.
    if header in (list(CSV_COLUMNS[:2]), list(CSV_COLUMNS)) and "\r" not in first and len(first) < 1000:
        fast = _csv_columns(text, len(header), limit, threshold)
        if fast is not None:
            return fast
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
    except csv.Error as exc:
        raise MalformedJSON(f"the CSV body cannot be read: {exc}") from None
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    if header not in (list(CSV_COLUMNS[:2]), list(CSV_COLUMNS)):
        raise ValidationProblem("the CSV body must start with the header row temperature,duration "
                                f"or temperature,duration,temperature_unit (got {','.join(header)!r})")
    if len(rows) == 1:
        raise ValidationProblem("the CSV body has a header row but no readings")
    _within(limit, len(rows) - 1)
    items = [_cells(i, row, header) for i, row in enumerate(rows[1:])]
    fast = _columns(items, threshold)
    if fast is not None:
        return fast
    batch = check(BatchRequest, {"readings": items, "threshold": threshold})
    return _checked(batch.readings, batch.threshold, "readings[{}].")


def _cells(i: int, row: list[str], header: list[str]) -> dict[str, Any]:
    where = f"readings[{i}]"
    if len(row) != len(header):
        message = f"has {len(row)} cells where the header has {len(header)} (CSV line {i + 2})"
        raise ValidationProblem(f"{where}: {message}", errors=[{"field": where, "message": message}])
    item: dict[str, Any] = {}
    for name, cell in zip(header, row, strict=True):
        if name == "temperature_unit":
            item[name] = cell.strip().upper() or "C"
            continue
        try:
            item[name] = float(cell)
        except ValueError:
            message = f"must be a number (CSV line {i + 2} has {cell!r})"
            raise ValidationProblem(f"{where}.{name}: {message}",
                                    errors=[{"field": f"{where}.{name}", "message": message}]) from None
    return item


def _columns(items: Any, threshold: Any) -> Readings | None:
    """Return the readings when every one is plainly valid, else None (pydantic then decides)."""
    if type(items) is not list or not items:
        return None
    try:  # only an object has the fields by name: any other item raises TypeError
        temperatures = list(map(_TEMPERATURE, items))
        durations = list(map(_DURATION, items))
    except (KeyError, TypeError):
        return None
    types = set(map(type, temperatures))
    types.update(map(type, durations))
    if not types <= _NUMBERS:
        return None
    n, extra = len(items), sum(map(len, items)) - 2 * len(items)
    units, fahrenheit = ["C"] * n, 0
    if extra:  # temperature_unit on some readings, and nothing else
        units = [r.get("temperature_unit", "C") for r in items]
        fahrenheit = units.count("F")
        if units.count("C") + fahrenheit != n or extra != sum("temperature_unit" in r for r in items):
            return None
    try:
        t = np.array(temperatures, dtype=np.float64)
        d = np.array(durations, dtype=np.float64)
    except OverflowError:
        return None
    return _arrays(t, d, units, fahrenheit, threshold)


def _arrays(t: np.ndarray, d: np.ndarray, units: list[str], fahrenheit: int,
            threshold: Any) -> Readings | None:
    """Return the readings when the threshold and every value are in range, else None (pydantic
    then decides)."""
    if type(threshold) not in _NUMBERS or not 0 < threshold < 1:
        return None
    lo, hi = DURATION_LIMITS_MIN
    if not (((t >= _T_LO) & (t <= _T_HI)).all() and ((d > lo) & (d <= hi)).all()):
        return None  # NaN fails every comparison, so it lands here too
    sent = t.tolist()
    celsius = t
    if fahrenheit:
        celsius = np.array([to_celsius(x) if u == "F" else x for x, u in zip(sent, units, strict=True)])
    check_temperatures(celsius, "readings[{}].")
    return Readings(celsius, d, sent, units, float(threshold))


def _csv_columns(text: str, width: int, limit: int, threshold: float) -> Readings | None:
    """Read a CSV table of plain numbers (and C or F units) as one JSON array: one orjson pass
    instead of a float() per cell. None when it needs the careful reader."""
    body = text.partition("\n")[2]
    if body and not body.endswith("\n"):
        body += "\n"
    if not _PLAIN_TABLE[width].fullmatch(body) or ("-0" in body and _NEGATIVE_ZERO.search(body)):
        return None
    n = body.count("\n")
    _within(limit, n)
    cells = body[:-1].replace("\n", ",")  # a \r left at a line's end is a JSON blank
    if width == 3:  # only the unit cells hold letters other than e and E
        cells = cells.upper().replace("C", '"C"').replace("F", '"F"')
    try:
        values = orjson.loads(f"[{cells}]")
    except orjson.JSONDecodeError:  # "+5", ".5", "1.", 1e999: numbers float() reads and JSON does not
        return None
    t, d = np.array(values[0::width], dtype=np.float64), np.array(values[1::width], dtype=np.float64)
    units = values[2::3] if width == 3 else ["C"] * n
    return _arrays(t, d, units, units.count("F"), threshold)


def _within(limit: int, n: int) -> None:
    if n > limit:
        raise ValidationProblem(f"readings: at most {limit} readings per request on this route, got {n}")


def _checked(items: list[Reading], threshold: float, where: str) -> Readings:
    celsius = [r.celsius for r in items]
    check_temperatures(celsius, where)
    durations = np.array([r.duration for r in items], dtype=np.float64)
    return Readings(np.array(celsius, dtype=np.float64), durations,
                    [r.temperature for r in items], [r.temperature_unit for r in items], threshold)

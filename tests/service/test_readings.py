"""The column-by-column batch check accepts only what the pydantic schema accepts, with its values."""

import csv
import io
import math

import numpy as np
import pydantic
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from model.data import to_celsius
from service import readings
from service.errors import Problem, ValidationProblem
from service.schemas import BatchRequest

numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**20, 10**20),
                    st.floats(-10, 1000), st.floats(0, 130), st.booleans(), st.none(), st.text(max_size=3))
units = st.one_of(st.sampled_from(["C", "F"]), st.sampled_from(["c", "K", "", None, 1]))
reading = st.dictionaries(
    st.sampled_from(["temperature", "duration", "temperature_unit", "humidity"]),
    st.one_of(numbers, units), max_size=4)
plausible = st.fixed_dictionaries(
    {"temperature": st.one_of(st.floats(-5, 950), st.integers(-5, 950)),
     "duration": st.one_of(st.floats(-1, 125), st.integers(-1, 125))},
    optional={"temperature_unit": st.sampled_from(["C", "F"])})
items = st.one_of(st.lists(reading, max_size=6), st.lists(plausible, min_size=1, max_size=6),
                  st.lists(st.one_of(plausible, st.integers(), st.lists(st.integers())), max_size=4))
thresholds = st.one_of(st.floats(allow_nan=False), st.sampled_from([0.5, 0.2, 1, 0]), st.booleans(),
                       st.text(max_size=2))


def _schema_verdict(items, threshold):
    """What the pydantic schema and the °C limit say, without the fast check."""
    try:
        batch = BatchRequest.model_validate({"readings": items, "threshold": threshold})
    except pydantic.ValidationError:
        return None
    celsius = [r.celsius for r in batch.readings]
    if not all(0 <= c <= 500 for c in celsius):
        return "implausible"
    return batch


@settings(max_examples=600, deadline=None)
@given(items, thresholds)
def test_the_fast_check_never_accepts_what_the_schema_refuses(items, threshold):
    truth = _schema_verdict(items, threshold)
    try:
        fast = readings._columns(items, threshold)
    except ValidationProblem:
        assert truth == "implausible"
        return
    if fast is None:
        return  # the schema decides, as the route does
    assert isinstance(truth, BatchRequest), (items, threshold)
    assert fast.threshold == truth.threshold
    assert fast.units == [r.temperature_unit for r in truth.readings]
    assert fast.sent == [r.temperature for r in truth.readings]
    np.testing.assert_array_equal(fast.durations, [r.duration for r in truth.readings])
    np.testing.assert_array_equal(fast.celsius, [r.celsius for r in truth.readings])


@settings(max_examples=200, deadline=None)
@given(st.lists(plausible, min_size=1, max_size=6))
def test_plain_valid_batches_take_the_fast_check(items):
    truth = _schema_verdict(items, 0.5)
    if isinstance(truth, BatchRequest):
        fast = readings._columns(items, 0.5)
        assert fast is not None
        want = [to_celsius(float(r["temperature"])) if r.get("temperature_unit") == "F"
                else float(r["temperature"]) for r in items]
        assert fast.celsius.tolist() == want


cells = st.one_of(st.sampled_from(["200", "13.9", " 160 ", "1e2", "+5", "-1", "nan", "inf", "1_000",
                                   "0x10", "", "abc", "932", "499.99", "F", "c", "K", "12.5", "-0",
                                   "-0.0", "0e0", " f\t", "\t1E1 ", ".5", "5.", "[1]", "true"]),
                  st.from_regex(r"[0-9.e+\- ]{1,6}", fullmatch=True))


def _reference(text):
    """Python's csv module, float() and the pydantic schema: what the careful reader accepts."""
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
    except csv.Error:  # a cell past the module's field size limit, say
        return None
    header, body = rows[0], rows[1:]
    items = []
    for row in body:
        if len(row) != len(header):
            return None
        item = {}
        for name, cell in zip(header, row, strict=True):
            if name == "temperature_unit":
                item[name] = cell.strip().upper() or "C"
            else:
                try:
                    item[name] = float(cell)
                except ValueError:
                    return None
        items.append(item)
    return _schema_verdict(items, 0.5)


def _bits(values):
    return np.asarray(values, dtype=np.float64).tobytes()  # tells -0.0 from 0.0


@settings(max_examples=800, deadline=None)
@given(st.booleans(), st.lists(st.lists(cells, min_size=1, max_size=4), min_size=1, max_size=5),
       st.sampled_from(["\n", "\r\n"]), st.booleans(), st.booleans())
@example(False, [["200"], ["13.9", "160", "13.5"]], "\n", True, True)  # cells add up, lines do not
@example(True, [["200", "13.9", "c", "F"], ["400", "13.5"]], "\n", True, True)
@example(False, [["-0", "13"], ["-0.0", "13"]], "\n", False, False)  # -0 in JSON is the integer 0
def test_csv_bodies_are_read_as_the_csv_module_and_the_schema_read_them(units, rows, newline, ragged,
                                                                        ends_with_newline):
    header = "temperature,duration" + (",temperature_unit" if units else "")
    width = 3 if units else 2
    lines = [",".join(row if ragged else (row * width)[:width]) for row in rows]
    _assert_read_as_the_reference(newline.join([header, *lines]) + (newline if ends_with_newline else ""))


HALFWAY = "13.500000000000000888178419700125232338905334472656250"  # 13.5 and the next float: even is 13.5


EDGES = {
    "a CR inside the header": "temperature\r,duration\n200,13\n",  # the csv module ends a line there
    "a CR and a blank after the header": "temperature,duration\r \n200,13\n",
    "a CR between header cells": "temperature,duration\r,temperature_unit\n200,13,C\n",
    "a cell past the csv field limit": "temperature,duration\n200" + " " * 131_072 + ",13\n",
    "a header cell past the csv field limit": "temperature," + " " * 140_000 + "duration\n200,13\n",
    # orjson 3.13 rounds a halfway value written with some 800 digits up, not to even
    "a long halfway temperature": "temperature,duration\n" + HALFWAY + "0" * 717 + ",13\n",
    "a long halfway duration": "temperature,duration\n200," + HALFWAY + "0" * 717 + "\n",
    "a short halfway temperature": "temperature,duration\n" + HALFWAY + ",13\n200,13.9\n",
    "25 blanks before a number": "temperature,duration\n" + " " * 25 + "200,13\n",
}


@pytest.mark.parametrize("text", EDGES.values(), ids=EDGES.keys())
def test_csv_bodies_at_the_one_pass_readers_edges_are_read_as_the_csv_module_reads_them(text):
    _assert_read_as_the_reference(text)


def _assert_read_as_the_reference(text):
    truth = _reference(text)
    try:
        got = readings.from_csv(text.encode(), 100, 0.5)
    except Problem:
        assert not isinstance(truth, BatchRequest), text
        return
    assert isinstance(truth, BatchRequest), text
    assert got.units == [r.temperature_unit for r in truth.readings]
    assert _bits(got.sent) == _bits([r.temperature for r in truth.readings]), text
    assert _bits(got.celsius) == _bits([r.celsius for r in truth.readings]), text
    assert _bits(got.durations) == _bits([r.duration for r in truth.readings]), text


@pytest.mark.parametrize("threshold", [0, 1, 1.5, -0.1, math.nan, True])
def test_the_one_pass_reader_leaves_a_threshold_outside_0_1_to_the_schema(threshold):
    assert readings._csv_columns("temperature,duration\n200,13\n", 2, 100, threshold) is None


celsius_cells = st.tuples(st.sampled_from(["C", "c"]),
                          st.one_of(st.floats(150, 285), st.integers(150, 285)))
fahrenheit_cells = st.tuples(st.sampled_from(["F", " f"]),
                             st.one_of(st.floats(302, 545), st.integers(302, 545)))
durations = st.one_of(st.floats(11.5, 15.5), st.integers(12, 15))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.one_of(celsius_cells, fahrenheit_cells), durations), min_size=1, max_size=8),
       st.booleans(), st.sampled_from(["\n", "\r\n"]))
def test_plain_csv_tables_take_the_one_pass_reader_with_float_values(rows, units, newline):
    """A table of numbers as Python writes them is read in one pass, each cell exactly float(cell)."""
    header = "temperature,duration" + (",temperature_unit" if units else "")
    if not units:
        rows = [(("C", t), d) for (u, t), d in rows if u.strip().upper() == "C"] or [(("C", 200), 13)]
    text = newline.join([header] + [f"{t},{d}" + (f",{u}" if units else "") for (u, t), d in rows]) + newline
    got = readings._csv_columns(text, 3 if units else 2, 100, 0.5)
    assert got is not None, text
    assert got.sent == [float(t) for (_, t), _ in rows]
    assert _bits(got.durations) == _bits([float(d) for _, d in rows])
    assert got.units == [u.strip().upper() for (u, _), _ in rows]
    assert _bits(got.celsius) == _bits([to_celsius(float(t)) if u.strip().upper() == "F" else float(t)
                                        for (u, t), _ in rows])

"""The column-by-column batch check accepts only what the pydantic schema accepts, with its values."""

import numpy as np
import pydantic
from hypothesis import given, settings
from hypothesis import strategies as st

from model.data import to_celsius
from service import readings
from service.errors import ValidationProblem
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

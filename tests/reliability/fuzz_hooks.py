"""Loaded by schemathesis (SCHEMATHESIS_HOOKS): how to write a text/csv body of readings.

A CSV body is a string to JSON Schema, so schemathesis would otherwise send any text. This draws
tables as roast loggers write them, with values anywhere in the valid ranges (°C or °F).
"""

import schemathesis
from hypothesis import strategies as st

from model.data import to_fahrenheit

_celsius = st.floats(0, 500)
_row = st.one_of(
    st.tuples(_celsius, st.floats(0.001, 120)).map(lambda r: f"{r[0]!r},{r[1]!r},C"),
    st.tuples(_celsius.map(to_fahrenheit), st.floats(0.001, 120)).map(lambda r: f"{r[0]!r},{r[1]!r},F"),
)
readings = st.lists(_row, min_size=1, max_size=30).map(
    lambda rows: ("temperature,duration,temperature_unit\n" + "\n".join(rows) + "\n").encode())

schemathesis.openapi.media_type("text/csv", readings)


@schemathesis.serializer("text/csv")
def _csv(ctx, value):
    """The contract's example is text; drawn tables are already bytes."""
    return value if isinstance(value, bytes) else str(value).encode()

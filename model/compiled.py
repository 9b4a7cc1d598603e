"""Compiled scalar loops: numba turns an explanation's inner loops into machine code.

The searches (good intervals, the nearest flip) evaluate the network a few dozen to a few
hundred times per reading, one point at a time, and the Shapley values average it over 400
readings: in Python each evaluation costs a microsecond, and numpy's calls on so few readings
cost more than their arithmetic; compiled, an evaluation costs tens of nanoseconds. They use
``math.exp`` (model/steering.py), within an ulp or two of numpy's. A reading's verdict and
probability come from the served forward pass (``Network.outputs``, ``outputs_at``), and every
flip an answer gives is confirmed by it.

The machine code is cached on disk beside the module (or in ``NUMBA_CACHE_DIR``), so that a
process after the first loads it instead of compiling it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., object])


def compiled(fn: F) -> F:
    """Return ``fn`` compiled to machine code on its first call (numba's nopython mode)."""
    return cast(F, numba.njit(cache=True, nogil=True)(fn))

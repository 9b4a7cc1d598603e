"""Compiled scalar loops: numba turns a search's inner loop into machine code.

A search that steps along the decision boundary evaluates the network a few dozen times per
reading, one reading at a time: in Python each evaluation costs a microsecond, compiled a few
nanoseconds. Only steering is compiled. Every verdict and number an answer gives comes from the
served forward pass (``Network.outputs``, ``outputs_at``), whose bits numpy's exp sets.

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

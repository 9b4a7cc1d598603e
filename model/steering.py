"""The network evaluated point by point, compiled: its logit, where it crosses a level, and the
averages the Shapley values take.

The searches (good intervals, the nearest flip) evaluate the network a few dozen to a few hundred
times per reading, one point at a time, and the Shapley values average it over 400 readings. Here
each evaluation is a compiled loop over the units (model/compiled.py) by ``math.exp``, within an
ulp or two of the served forward pass; a reading's verdict and probability come from the served
pass itself (``Network.outputs``).

``units`` is ``units_of(net)``: a row (a_t, a_d, c, w2) per hidden unit, whose pre-activation at
t °C and d min is a_t t + a_d d + c and whose output weight is w2.
"""

from __future__ import annotations

import math

import numpy as np

from model.compiled import compiled
from model.network import EXP_SAFE, Network


def units_of(net: Network) -> np.ndarray:
    """Return the (H, 4) rows (a_t, a_d, c, w2) of the network's hidden units."""
    a_t, a_d, c = net.boundaries()
    return np.ascontiguousarray(np.stack([a_t, a_d, c, net.W2[:, 0]], axis=1))


@compiled
def sigmoid(z: float) -> float:
    """The logistic function of one float, by ``math.exp``; 0 where exp(-z) overflows."""
    return 1.0 / (1.0 + math.exp(-z)) if z > -EXP_SAFE else 0.0


@compiled
def logit(units: np.ndarray, b2: float, t: float, d: float) -> float:
    """The output logit at (t, d): b2 plus each unit's activation times its weight, in order."""
    z = b2
    for j in range(units.shape[0]):
        z += sigmoid(units[j, 0] * t + units[j, 1] * d + units[j, 2]) * units[j, 3]
    return z


@compiled
def margin(units: np.ndarray, b2: float, t0: float, d0: float, t1: float, d1: float, up: float,
           level: float, s: float) -> float:
    """``up * (logit - level)`` at the reading (t0 + s (t1 - t0), d0 + s (d1 - d0)). Along an axis
    the segment is (0, d) to (1, d) (or (t, 0) to (t, 1)), and s is the temperature (or
    duration) itself, exactly."""
    return up * (logit(units, b2, t0 + s * (t1 - t0), d0 + s * (d1 - d0)) - level)


@compiled
def edge(units: np.ndarray, b2: float, t0: float, d0: float, t1: float, d1: float, up: float,
         level: float, a: float, b: float, tol: float) -> tuple[float, int]:
    """Return a point s within tol of where the margin crosses zero between a (inside) and b
    (outside), and how many times it evaluated the network.

    The margin is ``margin``'s, and inside means margin >= 0. The point returned is inside
    unless the margin there has fallen below zero by rounding alone. Regula falsi with the
    Illinois rule: a handful of evaluations where bisection needs twenty.
    """
    fa = margin(units, b2, t0, d0, t1, d1, up, level, a)
    fb = margin(units, b2, t0, d0, t1, d1, up, level, b)
    evaluations = 2
    if fa < 0:  # the verdict at a and this evaluation disagree in the last bit: a is the edge
        return a, evaluations
    kept = 0  # which end survived the last step: -1 the outside end, +1 the inside end
    for _ in range(100):
        if abs(b - a) <= tol:
            break
        m = b - fb * (b - a) / (fb - fa) if fb != fa else 0.5 * (a + b)
        if not min(a, b) < m < max(a, b):
            m = 0.5 * (a + b)
        fm = margin(units, b2, t0, d0, t1, d1, up, level, m)
        evaluations += 1
        if fm >= 0:
            a, fa = m, fm
            if kept == -1:
                fb *= 0.5
            kept = -1
        else:
            b, fb = m, fm
            if kept == 1:
                fa *= 0.5
            kept = 1
    return a, evaluations


@compiled
def coalition_means(units: np.ndarray, b2: float, t: float, d: float,
                    background: np.ndarray) -> tuple[float, float]:
    """Return the mean probability with the reading's temperature and each background reading's
    duration, and with each background temperature and the reading's duration: the values of
    the coalitions {temperature} and {duration}. Compiled: 400 readings in one loop, where
    numpy's calls cost twice the arithmetic."""
    f_t = f_d = 0.0
    for i in range(background.shape[0]):
        f_t += sigmoid(logit(units, b2, t, background[i, 1]))
        f_d += sigmoid(logit(units, b2, background[i, 0], d))
    return f_t / background.shape[0], f_d / background.shape[0]

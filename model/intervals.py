"""Good intervals: every run of temperatures (or durations) that makes a good roast, along one input.

They cover the whole valid input range (0–500 °C, 0–120 min), not only the training range.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from model.data import VALID_DURATION_RANGE, VALID_TEMPERATURE_RANGE
from model.network import Network

SPANS = {"temperature": VALID_TEMPERATURE_RANGE, "duration": VALID_DURATION_RANGE}
WINDOW_SAMPLES = 201  # evenly spaced readings along an axis, 2.5 °C and 0.6 min apart
# Extra readings across each unit's transition, in units of its pre-activation: a narrow good
# interval can only open where some unit changes.
TRANSITION = np.linspace(-12.0, 12.0, 25)
EDGE_TOL = {"temperature": 1e-3, "duration": 1e-4}  # °C, minutes: ten times finer than promised
_EVEN = {axis: np.linspace(*span, WINDOW_SAMPLES) for axis, span in SPANS.items()}
FLAT = 1e-9  # a unit whose pre-activation moves less than this over the range has no boundary
GOLDEN = (math.sqrt(5) - 1) / 2


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def good_intervals(net: Network, t: float, d: float,
                   threshold: float) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Return every [lo, hi] of temperatures (at duration d) and of durations (at temperature t),
    over the valid range, that make a good roast; edges within EDGE_TOL of the crossing."""
    return GoodIntervals(net)(t, d, threshold)


class GoodIntervals:
    """The good intervals through any reading of one network, with the per-model work (where
    each unit turns along each axis, the ceiling of the output layer) done once."""

    def __init__(self, net: Network) -> None:
        self.net = net
        a_t, a_d, c = net.boundaries()
        # Per axis: its span and even samples, and for each unit that changes along it at all, its
        # slope along the axis, its slope across, its bias and the offsets of its transition samples.
        self._axes = []
        for axis, along, across in (("temperature", a_t, a_d), ("duration", a_d, a_t)):
            lo, hi = SPANS[axis]
            turns = np.abs(along) * (hi - lo) > FLAT
            s = along[turns]
            self._axes.append((lo, hi, _EVEN[axis], s, across[turns], c[turns],
                               TRANSITION / np.abs(s)[:, None]))
        self._w2 = net.W2[:, 0]
        self._b2, self._weight = float(net.b2[0]), float(np.abs(net.W2).sum())

    def __call__(self, t: float, d: float,
                 threshold: float) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
        """Return ``good_intervals(net, t, d, threshold)``."""
        net = self.net
        scans = []
        for (lo, hi, even, s, across, c, offsets), held in zip(self._axes, (d, t), strict=True):
            turns = -(across * held + c) / s  # where each unit's pre-activation crosses zero
            values = np.concatenate([even, (turns[:, None] + offsets).ravel()])
            scans.append(np.sort(np.minimum(np.maximum(values, lo), hi)))  # np.clip costs 3× more
        vt, vd = scans
        cut = logit(threshold)
        _, hidden, z = net.logits(np.concatenate([vt, np.full(vd.size, t)]),
                                  np.concatenate([np.full(vt.size, d), vd]))  # one pass for both scans
        good = z >= cut
        # The level the units' shares must be able to reach together for a bump to be searched:
        # the threshold's logit less the output bias, less far more than rounding.
        ceiling = cut - self._b2 - 1e-9 * (1.0 + abs(cut) + abs(self._b2) + self._weight)
        out = []
        for v, span, margin, tol in ((vt, slice(0, vt.size), lambda x: net.logit_at(x, d) - cut,
                                      EDGE_TOL["temperature"]),
                                     (vd, slice(vt.size, None), lambda x: net.logit_at(t, x) - cut,
                                      EDGE_TOL["duration"])):
            v, good_v = _peaks(v, good[span], z[span], hidden[span], self._w2, ceiling, margin)
            out.append(_runs(v, good_v, margin, tol))
        return out[0], out[1]


def _peaks(v: np.ndarray, good: np.ndarray, z: np.ndarray, hidden: np.ndarray, w2: np.ndarray,
           ceiling: float, margin: Callable[[float], float]) -> tuple[np.ndarray, np.ndarray]:
    """Add the top of every bad bump between samples that rises past the threshold.

    Two units turning the opposite ways can leave a good interval narrower than the samples
    across either transition; it holds the maximum of the logit between them. The units' terms
    w2_j h_j of the logit z at each sample are each monotone along an axis, so between two
    samples the logit is at most b2 plus every term's larger end: a bump whose bound stays
    below the threshold (``ceiling`` for the terms' sum) cannot reach it and is not searched.
    """
    rise = 1e-9 * (1.0 + np.abs(z[1:-1]))  # not the rounding noise of a plateau
    step = z[1:] - z[:-1]  # a bump rises into sample i and does not fall out of it
    bumps = ((step[:-1] > rise) & (step[1:] < rise) & ~good[1:-1]).nonzero()[0] + 1
    if bumps.size:
        bound = np.maximum(hidden[bumps - 1] * w2, hidden[bumps + 1] * w2).sum(axis=1)
        bumps = bumps[bound >= ceiling]
    found = []
    for i in bumps.tolist():
        a, b = float(v[i - 1]), float(v[i + 1])
        m1, m2 = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
        f1, f2 = margin(m1), margin(m2)
        for _ in range(40):  # golden-section search for the maximum on [a, b]
            if f1 >= f2:
                b, m2, f2 = m2, m1, f1
                m1 = b - GOLDEN * (b - a)
                f1 = margin(m1)
            else:
                a, m1, f1 = m1, m2, f2
                m2 = a + GOLDEN * (b - a)
                f2 = margin(m2)
        top, f = (m1, f1) if f1 >= f2 else (m2, f2)
        if f >= 0:
            found.append(top)
    if not found:
        return v, good
    order = np.argsort(np.concatenate([v, found]), kind="stable")
    return (np.concatenate([v, found])[order],
            np.concatenate([good, np.ones(len(found), dtype=bool)])[order])


def _runs(v: np.ndarray, good: np.ndarray, margin: Callable[[float], float],
          tol: float) -> list[tuple[float, float]]:
    """Return the runs of good samples, each edge refined between its sample and the next."""
    changes = ((good[1:] != good[:-1]).nonzero()[0] + 1).tolist()
    first, last = bool(good[0]), bool(good[-1])
    if not (changes or first):
        return []
    # runs begin where the verdict turns good and end before it turns bad again
    starts = ([0] if first else []) + changes[(0 if not first else 1)::2]
    ends = [c - 1 for c in changes[(1 if not first else 0)::2]] + ([len(good) - 1] if last else [])
    values = v.tolist()
    out = []
    for i, j in zip(starts, ends, strict=True):
        a = values[i] if i == 0 else edge(margin, values[i], values[i - 1], tol)
        b = values[j] if j == len(values) - 1 else edge(margin, values[j], values[j + 1], tol)
        out.append((float(a), float(b)))
    return out


def edge(margin: Callable[[float], float], a: float, b: float, tol: float) -> float:
    """Return a point within tol of where margin crosses zero between a (inside) and b (outside).

    Inside means margin >= 0. The point returned is inside unless the margin there has fallen
    below zero by rounding alone. Regula falsi with the Illinois rule: a handful of evaluations
    where bisection needs twenty.
    """
    fa, fb = margin(a), margin(b)
    if fa < 0:  # the sampled verdict and this evaluation disagree in the last bit: a is the edge
        return a
    kept = 0  # which end survived the last step: -1 the outside end, +1 the inside end
    for _ in range(100):
        if abs(b - a) <= tol:
            break
        m = b - fb * (b - a) / (fb - fa) if fb != fa else 0.5 * (a + b)
        if not min(a, b) < m < max(a, b):
            m = 0.5 * (a + b)
        fm = margin(m)
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
    return a

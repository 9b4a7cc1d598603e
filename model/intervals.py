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
    each unit turns along each axis, the ceiling of the output layer) done once.

    Both axes are scanned together, as the two rows of one array: row 0 the temperatures at the
    reading's duration, row 1 the durations at its temperature. Each numpy call then serves both.
    """

    def __init__(self, net: Network) -> None:
        self.net = net
        a_t, a_d, c = net.boundaries()
        # Per axis (row) and unit: its slope along the axis, its slope across, its bias and the
        # offsets of its transition samples. A unit that does not change along an axis gets no
        # transition there: its samples all sit at the axis's low end (slope 1, across 0, bias -lo).
        along, across, bias, offsets = [], [], [], []
        for axis, a, b in (("temperature", a_t, a_d), ("duration", a_d, a_t)):
            lo, hi = SPANS[axis]
            turns = np.abs(a) * (hi - lo) > FLAT
            slope = np.where(turns, a, 1.0)
            along.append(slope)
            across.append(np.where(turns, b, 0.0))
            bias.append(np.where(turns, c, -lo))
            offsets.append(np.where(turns[:, None], TRANSITION / np.abs(slope)[:, None], 0.0))
        self._along, self._across, self._bias = np.array(along), np.array(across), np.array(bias)
        self._offsets = np.array(offsets)  # (2, H, len(TRANSITION))
        self._even = np.array([_EVEN["temperature"], _EVEN["duration"]])
        self._lo = np.array([[SPANS["temperature"][0]], [SPANS["duration"][0]]])
        self._hi = np.array([[SPANS["temperature"][1]], [SPANS["duration"][1]]])
        self._w2 = net.W2[:, 0]
        self._b2, self._weight = float(net.b2[0]), float(np.abs(net.W2).sum())

    def __call__(self, t: float, d: float,
                 threshold: float) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
        """Return ``good_intervals(net, t, d, threshold)``."""
        net = self.net
        turns = -(self._across * np.array([[d], [t]]) + self._bias) / self._along  # (2, H) zero crossings
        v = np.concatenate([self._even, (turns[:, :, None] + self._offsets).reshape(2, -1)], axis=1)
        np.maximum(v, self._lo, out=v)  # np.clip costs 3× more
        np.minimum(v, self._hi, out=v)
        v.sort(axis=1)
        n = v.shape[1]
        held_t, held_d = v.copy(), v.copy()
        held_t[1], held_d[0] = t, d  # row 0 moves the temperature, row 1 the duration
        _, hidden, z = net.logits(held_t.ravel(), held_d.ravel())  # one pass for both scans
        z = z.reshape(2, n)
        cut = logit(threshold)
        good = z >= cut
        # The level the units' shares must be able to reach together for a bump to be searched:
        # the threshold's logit less the output bias, less far more than rounding.
        ceiling = cut - self._b2 - 1e-9 * (1.0 + abs(cut) + abs(self._b2) + self._weight)
        margins = (lambda x: net.logit_at(x, d) - cut, lambda x: net.logit_at(t, x) - cut)
        bumps = _bumps(good, z)
        rows, cols = (good[:, 1:] != good[:, :-1]).nonzero()
        changes: list[list[int]] = [[], []]
        for r, i in zip(rows.tolist(), (cols + 1).tolist(), strict=True):
            changes[r].append(i)
        out = []
        for r, (margin, tol) in enumerate(zip(margins, EDGE_TOL.values(), strict=True)):
            values, verdicts = v[r], good[r]
            if bumps[0].size and (at := bumps[1][bumps[0] == r]).size:  # a narrow good interval may hide
                found = _peaks(values, hidden[r * n:(r + 1) * n], at, self._w2, ceiling, margin)
                if found:
                    values, verdicts = _with_tops(values, verdicts, found)
                    changes[r] = ((verdicts[1:] != verdicts[:-1]).nonzero()[0] + 1).tolist()
            out.append(_runs(values, verdicts, changes[r], margin, tol))
        return out[0], out[1]


def _bumps(good: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (row, sample) of every bad sample that the logit rises into and does not fall out of."""
    rise = 1e-9 * (1.0 + np.abs(z[:, 1:-1]))  # not the rounding noise of a plateau
    step = z[:, 1:] - z[:, :-1]
    rows, cols = ((step[:, :-1] > rise) & (step[:, 1:] < rise) & ~good[:, 1:-1]).nonzero()
    return rows, cols + 1


def _peaks(v: np.ndarray, hidden: np.ndarray, bumps: np.ndarray, w2: np.ndarray, ceiling: float,
           margin: Callable[[float], float]) -> list[float]:
    """Return the top of every bad bump (sample indices ``bumps``) that rises past the threshold.

    Two units turning the opposite ways can leave a good interval narrower than the samples
    across either transition; it holds the maximum of the logit between them. The units' terms
    w2_j h_j of the logit at each sample are each monotone along an axis, so between two
    samples the logit is at most b2 plus every term's larger end: a bump whose bound stays
    below the threshold (``ceiling`` for the terms' sum) cannot reach it and is not searched.
    """
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
    return found


def _with_tops(v: np.ndarray, good: np.ndarray, tops: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Return the samples and their verdicts with the good tops of bumps put in their places."""
    order = np.argsort(np.concatenate([v, tops]), kind="stable")
    return np.concatenate([v, tops])[order], np.concatenate([good, np.ones(len(tops), dtype=bool)])[order]


def _runs(v: np.ndarray, good: np.ndarray, changes: list[int], margin: Callable[[float], float],
          tol: float) -> list[tuple[float, float]]:
    """Return the runs of good samples, each edge refined between its sample and the next;
    ``changes`` lists the samples whose verdict differs from the one before."""
    first, last = bool(good[0]), bool(good[-1])
    if not (changes or first):
        return []
    # runs begin where the verdict turns good and end before it turns bad again
    starts = ([0] if first else []) + changes[(0 if not first else 1)::2]
    end = len(v) - 1
    ends = [c - 1 for c in changes[(1 if not first else 0)::2]] + ([end] if last else [])
    at = v.item  # a few samples as floats, without converting the rest
    out = []
    for i, j in zip(starts, ends, strict=True):
        a = at(i) if i == 0 else edge(margin, at(i), at(i - 1), tol)
        b = at(j) if j == end else edge(margin, at(j), at(j + 1), tol)
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

"""Good intervals: every run of temperatures (or durations) that makes a good roast, along one input.

They cover the whole valid input range (0–500 °C, 0–120 min), not only the training range.
"""

from __future__ import annotations

import math

import numpy as np

from model import steering
from model.compiled import compiled
from model.data import VALID_DURATION_RANGE, VALID_TEMPERATURE_RANGE
from model.network import FLAT, Network, logit
from model.steering import edge, margin, units_of

SPANS = {"temperature": VALID_TEMPERATURE_RANGE, "duration": VALID_DURATION_RANGE}
WINDOW_SAMPLES = 201  # evenly spaced readings along an axis, 2.5 °C and 0.6 min apart
# Extra readings across each unit's transition, in units of its pre-activation: a narrow good
# (or bad) interval can only open where some unit changes.
TRANSITION = np.linspace(-12.0, 12.0, 25)
EDGE_TOL = {"temperature": 1e-3, "duration": 1e-4}  # °C, minutes: ten times finer than promised
_EVEN = {axis: np.linspace(*span, WINDOW_SAMPLES) for axis, span in SPANS.items()}
GOLDEN = (math.sqrt(5) - 1) / 2


def good_intervals(net: Network, t: float, d: float,
                   threshold: float) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Return every [lo, hi] of temperatures (at duration d) and of durations (at temperature t),
    over the valid range, that make a good roast; edges within EDGE_TOL of the crossing."""
    return GoodIntervals(net)(t, d, threshold)


class GoodIntervals:
    """The good intervals through any reading of one network, with the per-model work (where
    each unit turns along each axis, the ceiling of the output layer) done once.

    The scans are compiled (model/steering.py): each evaluates the network at a few hundred
    samples and refines every edge between two of them.
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
        self._lines = np.stack([along, across, bias], axis=2)  # (2, H, 3)
        self._offsets = np.array(offsets)  # (2, H, len(TRANSITION))
        self._even = np.array([_EVEN[axis] for axis in SPANS])  # (2, WINDOW_SAMPLES)
        self._ends = np.array([(*SPANS[axis], EDGE_TOL[axis]) for axis in SPANS])  # (2, 3): lo, hi, tol
        self._units = units_of(net)
        self._b2, self._weight = float(net.b2[0]), float(np.abs(net.W2).sum())

    def __call__(self, t: float, d: float,
                 threshold: float) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
        """Return ``good_intervals(net, t, d, threshold)``."""
        cut = logit(threshold)
        # The level the units' shares must be able to reach together for a bump to be searched:
        # the threshold's logit less the output bias, less far more than rounding; and the level
        # they must be able to fall to (negated) for a dip to be.
        slack = 1e-9 * (1.0 + abs(cut) + abs(self._b2) + self._weight)
        runs = _both(self._units, self._b2, self._lines, self._offsets, self._even, self._ends, float(t),
                     float(d), cut, cut - self._b2 - slack, self._b2 - cut - slack)
        return [(a, b) for a, b in runs[0].tolist()], [(a, b) for a, b in runs[1].tolist()]


@compiled
def _both(units: np.ndarray, b2: float, lines: np.ndarray, offsets: np.ndarray, even: np.ndarray,
          ends: np.ndarray, t: float, d: float, cut: float, ceiling: float,
          floor: float) -> tuple[np.ndarray, np.ndarray]:
    """Return ``_runs`` along the temperature and along the duration: one call for both."""
    return (_runs(units, b2, lines[0], offsets[0], even[0], ends[0], t, d, 0, cut, ceiling, floor),
            _runs(units, b2, lines[1], offsets[1], even[1], ends[1], t, d, 1, cut, ceiling, floor))


@compiled
def _runs(units: np.ndarray, b2: float, lines: np.ndarray, offsets: np.ndarray, even: np.ndarray,
          ends: np.ndarray, t: float, d: float, axis: int, cut: float, ceiling: float,
          floor: float) -> np.ndarray:
    """Return the good intervals along one axis (0 the temperature at d, 1 the duration at t) as
    (K, 2) rows [lo, hi], each edge refined between its sample and the next to within ends[2].

    Each unit j's pre-activation along the axis is lines[j, 0] x + lines[j, 1] held + lines[j, 2],
    held the other input.

    The samples: WINDOW_SAMPLES evenly spaced over the valid range, and TRANSITION across each
    unit's turn (a narrow good or bad interval can only open where some unit changes), sorted.
    """
    H, k, m = units.shape[0], offsets.shape[1], even.shape[0]
    v = np.empty(m + H * k)
    v[:m] = even
    held = d if axis == 0 else t
    for j in range(H):
        turn = -(lines[j, 1] * held + lines[j, 2]) / lines[j, 0]  # where the unit's pre-activation is 0
        for i in range(k):
            v[m + j * k + i] = turn + offsets[j, i]
    v = np.sort(np.minimum(np.maximum(v, ends[0]), ends[1]))
    kept = 1  # each reading once: units that turn together (or samples clipped onto an end) would
    for i in range(1, v.shape[0]):  # leave a zero step, and a bump or a dip unseen
        if v[i] != v[kept - 1]:
            v[kept] = v[i]
            kept += 1
    v = v[:kept]
    # The axis as a segment whose parameter is the temperature (or duration) itself.
    t0, d0, t1, d1 = (0.0, d, 1.0, d) if axis == 0 else (t, 0.0, t, 1.0)
    n, tol = v.shape[0], ends[2]
    z, hidden = np.empty(n), np.empty((n, H))
    for i in range(n):
        z[i] = b2
        for j in range(H):
            hidden[i, j] = steering.sigmoid(units[j, 0] * (t0 + v[i] * (t1 - t0))
                                            + units[j, 1] * (d0 + v[i] * (d1 - d0)) + units[j, 2])
            z[i] += hidden[i, j] * units[j, 3]
    good = z >= cut
    tops = _extremes(units, b2, v, z, hidden, good, t0, d0, t1, d1, cut, 1.0, ceiling)
    bottoms = _extremes(units, b2, v, z, hidden, good, t0, d0, t1, d1, cut, -1.0, floor)
    if tops.shape[0] or bottoms.shape[0]:  # the good tops and bad bottoms, in their places
        order = np.argsort(np.concatenate((v, tops, bottoms)), kind="mergesort")
        v = np.concatenate((v, tops, bottoms))[order]
        good = np.concatenate((good, np.ones(tops.shape[0], dtype=np.bool_),
                               np.zeros(bottoms.shape[0], dtype=np.bool_)))[order]
        n = v.shape[0]
    runs, count, i = np.empty((n, 2)), 0, 0
    while i < n:  # each run of good samples, from its first to its last
        if not good[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and good[j + 1]:
            j += 1
        segment = (units, b2, t0, d0, t1, d1, 1.0, cut)
        runs[count, 0] = v[i] if i == 0 else edge(*segment, v[i], v[i - 1], tol)[0]
        runs[count, 1] = v[j] if j == n - 1 else edge(*segment, v[j], v[j + 1], tol)[0]
        count += 1
        i = j + 1
    return runs[:count]


@compiled
def _extremes(units: np.ndarray, b2: float, v: np.ndarray, z: np.ndarray, hidden: np.ndarray,
              good: np.ndarray, t0: float, d0: float, t1: float, d1: float, cut: float, up: float,
              reach: float) -> np.ndarray:
    """Return the top of every bad bump that rises past the threshold (``up`` = 1): a bad
    sample that the logit rises into and does not fall out of; or (``up`` = -1) the bottom of
    every good dip that falls below it.

    Two units turning the opposite ways can leave a good interval (or a bad one) narrower than
    the samples across either transition; it holds the extreme of the logit between them. The
    units' terms w2_j h_j of the logit at each sample are each monotone along an axis, so
    between two samples up * (logit - b2) is at most the sum of every term's larger end (times
    up): an extreme whose bound stays below ``reach`` (up * (cut - b2), less far more than
    rounding) cannot cross the threshold and is not searched.
    """
    found, count = np.empty(v.shape[0]), 0
    for i in range(1, v.shape[0] - 1):
        rise = 1e-9 * (1.0 + abs(z[i]))  # not the rounding noise of a plateau
        if good[i] == (up > 0) or not (up * (z[i] - z[i - 1]) > rise and up * (z[i + 1] - z[i]) < rise):
            continue
        bound = 0.0
        for j in range(units.shape[0]):
            bound += max(up * hidden[i - 1, j] * units[j, 3], up * hidden[i + 1, j] * units[j, 3])
        if bound < reach:
            continue
        a, b = v[i - 1], v[i + 1]
        segment = (units, b2, t0, d0, t1, d1, up, cut)
        m1, m2 = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
        f1, f2 = margin(*segment, m1), margin(*segment, m2)
        for _ in range(40):  # golden-section search for the extreme on [a, b]
            if f1 >= f2:
                b, m2, f2 = m2, m1, f1
                m1 = b - GOLDEN * (b - a)
                f1 = margin(*segment, m1)
            else:
                a, m1, f1 = m1, m2, f2
                m2 = a + GOLDEN * (b - a)
                f2 = margin(*segment, m2)
        f = max(f1, f2)
        if f >= 0 if up > 0 else f > 0:  # a top at the threshold is good; a bottom must fall below
            found[count] = m1 if f1 >= f2 else m2
            count += 1
    return found[:count]

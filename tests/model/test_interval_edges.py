"""The edges of the good intervals: refined by regula falsi (Illinois), in fewer evaluations of
the network than bisection needs for the same tolerance, and within that tolerance."""

from __future__ import annotations

import math

import numpy as np
import pytest

import model.intervals as intervals
from model import steering
from model.explain import Explainer
from model.network import Network
from model.steering import units_of
from tests import reference as ref
from tests.model.test_steep_flips import steps
from tests.model.test_words_by_hand import MEAN, STD
from tests.model.zoo import readings, zoo

# The brackets the scans refine, the same widths: the even samples' spacing along each axis.
SPACING = {"temperature": 2.5, "duration": 0.6}


@pytest.mark.parametrize("name", ["default", "lab", "seed-4", "eight-units", "steep"])
def test_each_edge_takes_fewer_evaluations_than_bisection(name):
    """Every edge of every good interval through the zoo's readings, found again from a bracket
    a sample spacing wide around it (inside at one end, outside at the other, by the brute
    forward pass), in fewer network evaluations than bisection needs."""
    net, calls = zoo()[name], []
    units, b2 = units_of(net), float(net.b2[0])
    for t, d in readings(name):
        found = dict(zip(intervals.SPANS, intervals.good_intervals(net, t, d, 0.5), strict=True))
        for axis, runs in found.items():
            segment = (0.0, d, 1.0, d) if axis == "temperature" else (t, 0.0, t, 1.0)
            tol, half, (lo_end, hi_end) = intervals.EDGE_TOL[axis], SPACING[axis] / 2, intervals.SPANS[axis]
            for x, outward in [edge for lo, hi in runs for edge in ((lo, -1.0), (hi, 1.0))]:
                inside, outside = x - outward * half, x + outward * half
                if not (lo_end <= min(inside, outside) and max(inside, outside) <= hi_end):
                    continue
                ends = [(v, d) if axis == "temperature" else (t, v) for v in (inside, outside)]
                if not (ref.proba(net, *ends[0]) >= 0.5 > ref.proba(net, *ends[1])):
                    continue  # another edge lies within the bracket
                edge, used = steering.edge(units, b2, *segment, 1.0, 0.0, inside, outside, tol)
                assert abs(edge - x) <= tol, (axis, x, edge)  # the same crossing as the scan's
                calls.append((used, 2 + max(0, math.ceil(math.log2(2 * half / tol)))))
    assert len(calls) >= 5
    for used, bisection in calls:
        assert used < bisection or used <= 3, (used, bisection)
    assert sum(used for used, _ in calls) <= 0.75 * sum(bisection for _, bisection in calls)


@pytest.mark.parametrize("root", [0.123456, 0.5, 0.987])
@pytest.mark.parametrize("steepness", [0.1, 10.0, 1e6])
def test_an_edge_lies_inside_and_within_the_tolerance_of_the_crossing(root, steepness):
    # One unit along the temperature: the logit 2 sigmoid(k (t - root)) - 1 crosses 0 at root.
    units = np.array([[steepness, 0.0, -steepness * root, 2.0]])
    for a, b in ((0.0, 1.0), (1.0, 0.0)):  # inside at a, either side
        up = -1.0 if a < b else 1.0
        found, _ = steering.edge(units, -1.0, 0.0, 0.0, 1.0, 0.0, up, 0.0, a, b, 1e-6)
        assert up * steering.logit(units, -1.0, found, 0.0) >= 0 and abs(found - root) <= 1e-6, (a, b, found)


# Slits: two step units that leave a good window narrower than the even samples' spacing (2.5 °C,
# 0.6 min), set between two samples, so only the samples across each unit's turn can find it.
SLITS = {
    "temperature": ([(1.0, 0.0, 201.1), (-1.0, 0.0, -201.5)], (201.3, 13.3), (201.1, 201.5)),
    "duration": ([(0.0, 1.0, 13.25), (0.0, -1.0, -13.35)], (201.3, 13.3), (13.25, 13.35)),
}


@pytest.mark.parametrize("axis", sorted(SLITS))
@pytest.mark.parametrize("steepness", [300.0, 5_000.0])
def test_a_window_narrower_than_the_samples_is_found_with_its_edges(axis, steepness):
    lines, (t, d), (lo, hi) = SLITS[axis]
    net = steps(lines, steepness)
    windows = dict(zip(("temperature", "duration"), intervals.good_intervals(net, t, d, 0.5), strict=True))
    step = 1e-3 if axis == "temperature" else 1e-4
    scanned = ref.good_intervals(net, axis, t, d, step)  # brute force over the whole valid range
    assert len(scanned) == 1 and scanned[0][0] == pytest.approx(lo, abs=0.05)
    assert scanned[0][1] == pytest.approx(hi, abs=0.05)
    [(a, b)] = windows[axis]
    tol = intervals.EDGE_TOL[axis]
    assert abs(a - scanned[0][0]) <= tol + step and abs(b - scanned[0][1]) <= tol + step, (windows, scanned)
    assert ref.proba(net, *((a, d) if axis == "temperature" else (t, a))) >= 0.5  # edges are good
    assert ref.proba(net, *((b, d) if axis == "temperature" else (t, b))) >= 0.5


def _lab_normalised(W1, b1, W2, b2):
    return Network(W1=np.array(W1), b1=np.array(b1), W2=np.array(W2), b2=np.array(b2), mean=MEAN, std=STD)


def _held_to_the_scan(net, t, d, axis, step):
    """Our intervals along ``axis`` through (t, d): as many as the brute-force scan finds, each
    edge within EDGE_TOL of the scan's (plus its step)."""
    ours = dict(zip(intervals.SPANS, intervals.good_intervals(net, t, d, 0.5), strict=True))[axis]
    scanned = ref.good_intervals(net, axis, t, d, step)
    assert len(ours) == len(scanned), (ours, scanned)
    slack = intervals.EDGE_TOL[axis] + step
    for (a, b), (lo, hi) in zip(ours, scanned, strict=True):
        assert abs(a - lo) <= slack and abs(b - hi) <= slack, (ours, scanned)
    return ours


def test_a_bad_slit_inside_a_good_interval_splits_it():
    # Two units turning the opposite ways 0.8 °C apart, the bad one slightly stronger: a bad slit
    # narrower than the even samples' spacing, inside a good interval. The dip search finds it.
    net = _lab_normalised([[32.06, 32.87], [0.0, 0.0]], [9.353, 6.557], [[-20.0], [20.0]], [12.47])
    assert ref.proba(net, 208.85, 13.0) < 0.5  # the slit's middle is bad
    assert len(_held_to_the_scan(net, 200.0, 13.0, "temperature", 1e-3)) == 2
    # ...and its near edge, 0.21 sd along the axis, is the nearest flip: no bad reading is nearer.
    ft, fd, p, distance = Explainer(net).explain(200.0, 13.0).nearest_flip
    assert ref.proba(net, ft, fd) < 0.5 and distance == pytest.approx(0.211, abs=1e-3)
    assert ref.other_verdict_within(net, 200.0, 13.0, True, distance - 0.005) is None


def test_identical_units_leave_no_narrow_window_unseen():
    # Two identical units (as a symmetric start leaves them) and a third turning the other way:
    # a good window 0.44 °C wide. The identical units' samples coincide; each is looked at once.
    W1, b1 = [[45.53, 45.53, -46.07], [0.0, 0.0, 0.0]], [10.424, 10.424, -7.794]
    net = _lab_normalised(W1, b1, [[10.0], [10.0], [20.056]], [-31.81])
    merged = _lab_normalised([w[1:] for w in W1], b1[1:], [[20.0], [20.056]], [-31.81])  # the same function
    [window] = _held_to_the_scan(net, 200.0, 13.0, "temperature", 1e-4)
    assert window == intervals.good_intervals(merged, 200.0, 13.0, 0.5)[0][0]


def test_the_flip_along_an_axis_bounds_a_stray_walk():
    # seed-6 at threshold 0.05: the walk along the boundary from the grid ended 0.030 sd away,
    # while a good reading lies 0.012 sd away along the temperature axis.
    net, t, d = zoo()["seed-6"], 226.47122243274566, 11.924491000007464
    e = Explainer(net).explain(t, d, threshold=0.05)
    assert not e.verdicts.good_roast[0]
    ft, fd, p, distance = e.nearest_flip
    assert ref.proba(net, ft, fd) >= 0.05 and distance < 0.0125
    assert ref.other_verdict_within(net, t, d, False, distance - 0.002, threshold=0.05) is None

"""The edges of the good intervals: refined by regula falsi (Illinois), in fewer evaluations of
the network than bisection needs for the same tolerance, and within that tolerance."""

from __future__ import annotations

import math

import pytest

import model.intervals as intervals
from tests.model.zoo import readings, zoo


@pytest.mark.parametrize("name", ["default", "lab", "seed-4", "eight-units", "steep"])
def test_each_edge_takes_fewer_evaluations_than_bisection(monkeypatch, name):
    net, calls = zoo()[name], []
    refine = intervals.edge

    def counted(margin, a, b, tol):
        evaluations = []
        found = refine(lambda x: evaluations.append(x) or margin(x), a, b, tol)
        bisection = 2 + max(0, math.ceil(math.log2(abs(b - a) / tol)))
        calls.append((len(evaluations), bisection))
        return found

    monkeypatch.setattr(intervals, "edge", counted)
    for t, d in readings(name):
        intervals.good_intervals(net, t, d, 0.5)
    assert calls
    for used, bisection in calls:
        assert used < bisection or used <= 3, (used, bisection)
    assert sum(used for used, _ in calls) <= 0.75 * sum(bisection for _, bisection in calls)


@pytest.mark.parametrize("root", [0.123456, 0.5, 0.987])
@pytest.mark.parametrize("steepness", [0.1, 10.0, 1e6])
def test_an_edge_lies_inside_and_within_the_tolerance_of_the_crossing(root, steepness):
    for a, b in ((0.0, 1.0), (1.0, 0.0)):  # inside at a, either side
        side = 1.0 if a < b else -1.0

        def margin(x, side=side):
            return math.tanh(steepness * side * (root - x))

        found = intervals.edge(margin, a, b, 1e-6)
        assert margin(found) >= 0 and abs(found - root) <= 1e-6, (a, b, found)

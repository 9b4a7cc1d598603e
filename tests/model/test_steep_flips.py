"""The nearest flip of networks made of steps: units so steep that Newton's steps find no slope
off their lines, so the answer comes from the lines themselves and their corners.

Each network's good region is a corner cut by two step units; the nearest flip is held to a
brute-force scan (tests/reference.py), from readings on both sides of both lines.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.explain import Explainer
from model.network import Network
from tests import reference as ref
from tests.model.test_words_by_hand import MEAN, STD


def steps(lines: list[tuple[float, float, float]], steepness: float) -> Network:
    """Units bad on the side a·(t, d) < c of each line a_t t + a_d d = c (°C, min), as steps."""
    W1, b1 = [], []
    for a_t, a_d, c in lines:
        # pre-activation = steepness (c - a·x) / |a| in sd units: on (bad) below the line
        scale = steepness / math.hypot(a_t * STD[0], a_d * STD[1])
        W1.append((-a_t * STD[0] * scale, -a_d * STD[1] * scale))
        b1.append(scale * (c - a_t * MEAN[0] - a_d * MEAN[1]))
    H = len(lines)
    return Network(W1=np.array(W1).T, b1=np.array(b1), W2=np.full((H, 1), -20.0), b2=np.array([10.0]),
                   mean=MEAN, std=STD)


CORNERS = {
    "upright": [(1.0, 0.0, 180.0), (0.0, 1.0, 12.0)],  # t > 180 °C and d > 12 min
    "leaning": [(1.0, 8.0, 290.0), (-0.05, 1.0, 2.5)],  # two slanted lines
}
READINGS = [(t, d) for t in (150.0, 172.0, 178.5, 181.0, 195.0, 240.0)
            for d in (10.0, 11.6, 11.95, 12.2, 13.0, 16.0)]


@pytest.mark.parametrize("corner", sorted(CORNERS))
@pytest.mark.parametrize("steepness", [300.0, 5_000.0])
def test_the_nearest_flip_of_a_network_of_steps_is_the_nearest(corner, steepness):
    net = steps(CORNERS[corner], steepness)
    explainer = Explainer(net)
    verdicts = {bool(g) for g in ref.proba(net, *np.array(READINGS).T) >= 0.5}
    assert verdicts == {True, False}  # readings on both sides
    for t, d in READINGS:
        e = explainer.explain(t, d)
        good = bool(e.verdicts.good_roast[0])
        assert e.nearest_flip is not None, (t, d)
        ft, fd, _, distance = e.nearest_flip
        assert (ref.proba(net, ft, fd) >= 0.5) != good, (t, d, e.nearest_flip)
        assert distance == pytest.approx(math.hypot((ft - t) / STD[0], (fd - d) / STD[1]))
        nearer = ref.other_verdict_within(net, t, d, good, distance - 0.01)
        assert nearer is None, f"{(t, d)}: ours {distance:.4f} sd, brute force {nearer:.4f} sd"

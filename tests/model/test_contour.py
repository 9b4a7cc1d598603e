"""Following the decision boundary (model/contour.py), held to the lab's own forward pass, to
finite differences of it and to brute-force scans of the contour."""

import math

import numpy as np
import pytest

from model.contour import ON_BOUNDARY, Contour, valid
from model.network import LAB_WEIGHTS, lab_network
from tests import reference as ref
from tests.model.test_thresholds_and_signs import flipped
from tests.model.test_words_by_hand import net_of
from tests.model.zoo import NUMPY_LAB_WEIGHTS, imported

LAB = lab_network()
NETS = {"lab": LAB, "numpy-lab": imported(**NUMPY_LAB_WEIGHTS),
        # the lab's function with every unit bad while inactive: positive output weights, same contour
        "positive-output": net_of(flipped(LAB_WEIGHTS, [0, 1, 2]))}
READINGS = [(200.0, 13.9), (160.0, 13.5), (250.0, 12.0), (230.0, 14.5), (180.0, 12.2), (270.0, 15.0)]
LEVELS = [0.0, math.log(0.2 / 0.8), math.log(0.9 / 0.1)]  # thresholds 0.5, 0.2 and 0.9


def sd_units(net):
    return float(net.std[0]), float(net.std[1])


def test_distances_are_in_training_standard_deviations():
    st, sd = sd_units(LAB)
    assert Contour(LAB).apart(200, 13, 200 + 3 * st, 13 - 4 * sd) == pytest.approx(5.0, rel=1e-12)


@pytest.mark.parametrize("name", NETS)
@pytest.mark.parametrize(("t", "d"), [*READINGS, (20.0, 100.0), (499.0, 0.5)])
def test_the_logit_and_its_gradient_per_training_sd(name, t, d):
    net = NETS[name]
    st, sd = sd_units(net)
    z, gt, gd = Contour(net).logit_and_gradient(t, d)
    assert z == pytest.approx(float(ref.logits(net, t, d)), rel=1e-12, abs=1e-12)
    h = 1e-5  # sd: central differences of the lab's forward pass
    ft = (ref.logits(net, t + h * st, d) - ref.logits(net, t - h * st, d)) / (2 * h)
    fd = (ref.logits(net, t, d + h * sd) - ref.logits(net, t, d - h * sd)) / (2 * h)
    assert (gt, gd) == pytest.approx((float(ft), float(fd)), rel=1e-5, abs=1e-6)


def _crossings(net, level, n=60):
    """Readings on a coarse grid next to a neighbour on the other side of the contour."""
    t, d = np.meshgrid(np.linspace(150, 290, n), np.linspace(11, 16, n))
    above = ref.logits(net, t, d) >= level
    near = np.zeros_like(above)
    near[:, :-1] |= above[:, :-1] != above[:, 1:]
    near[:-1] |= above[:-1] != above[1:]
    return list(zip(t[near].tolist(), d[near].tolist(), strict=True))


@pytest.mark.parametrize("name", NETS)
@pytest.mark.parametrize("level", LEVELS)
def test_newton_steps_land_on_the_contour(name, level):
    net = NETS[name]
    contour = Contour(net)
    starts = _crossings(net, level)
    assert len(starts) > 20
    landed = [contour.onto(t, d, level) for t, d in starts]
    assert sum(q is not None for q in landed) >= 0.9 * len(starts)
    for (t, d), q in zip(starts, landed, strict=True):
        if q is None:
            continue
        qt, qd, gt, gd = q
        assert valid(qt, qd)
        _on_the_contour(net, level, qt, qd, gt, gd)
        assert contour.apart(t, d, qt, qd) < 0.5  # the contour near the start, not a far branch
        assert (gt, gd) == pytest.approx(contour.logit_and_gradient(qt, qd)[1:], rel=1e-9, abs=1e-12)


def _on_the_contour(net, level, qt, qd, gt, gd):
    """Within ON_BOUNDARY of the level in log-odds, or within 2e-9 sd of where it crosses it."""
    if abs(float(ref.logits(net, qt, qd)) - level) <= ON_BOUNDARY:
        return
    st, sd = sd_units(net)
    g = math.hypot(gt, gd)
    ut, ud = gt / g * 2e-9, gd / g * 2e-9
    below = float(ref.logits(net, qt - ut * st, qd - ud * sd)) - level
    above = float(ref.logits(net, qt + ut * st, qd + ud * sd)) - level
    assert below <= 0 <= above, (qt, qd, below, above)


def test_a_flat_logit_has_no_contour_to_land_on():
    flat = imported(W2=[[0.0], [0.0], [0.0]])  # the logit is b2 everywhere
    b2 = float(flat.b2[0])
    assert Contour(flat).onto(200, 13.9, b2) is None  # level with b2: no gradient, no boundary
    assert Contour(flat).onto(200, 13.9, b2 + 1) is None


@pytest.mark.parametrize("name", NETS)
@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(("t", "d"), READINGS)
def test_a_slide_ends_at_the_nearest_point_of_the_contour(name, level, t, d):
    net = NETS[name]
    contour = Contour(net)
    st, sd = sd_units(net)
    above = float(ref.logits(net, t, d)) >= level
    threshold = 1 / (1 + math.exp(-level))
    coarse = ref.other_verdict_within(net, t, d, above, radius=3.0, threshold=threshold, margin=0.0)
    assert coarse is not None  # every case here has the boundary within 3 sd
    # Start on the contour about half a sd along it from the nearest point, on both sides.
    for side in (1.0, -1.0):
        q = contour.onto(t + (coarse + 0.5 * side) * st, d - 0.5 * side * sd, level)
        if q is None:
            continue
        first, second = contour.slide(t, d, q[0], q[1], level)
        assert second == (q[0], q[1])  # the start is kept as the fallback
        reached = contour.apart(t, d, *first)
        assert reached <= contour.apart(t, d, q[0], q[1])
        _on_the_contour(net, level, *first, *contour.logit_and_gradient(*first)[1:])
        # Brute force on a 0.002 sd grid: no grid reading on the other side is nearer than the
        # slide's end, and the nearest lies within one grid diagonal of it.
        fine = ref.other_verdict_within(net, t, d, above, radius=reached + 0.05, threshold=threshold,
                                        margin=0.0)
        assert fine is not None and reached <= fine + 1e-9
        assert fine - reached <= 0.002 * math.sqrt(2) + 1e-9, (fine, reached)


@pytest.mark.parametrize(("t", "d", "inside"), [
    (0.0, 0.0, True), (500.0, 120.0, True), (-1e-9, 13, False), (500.000001, 13, False),
    (200, -1e-9, False), (200, 120.000001, False)])
def test_the_valid_range_includes_its_ends(t, d, inside):
    assert valid(t, d) is inside

"""Explanations under a non-default threshold and for units with positive output weights,
held against brute force (tests/reference.py) and the shap library.

A unit with output weight w2 and pre-activation z adds w2 sigmoid(z) = w2 - w2 sigmoid(-z): negate
its incoming weights, bias and output weight, add w2 to the output bias, and the network computes
the same function with a positive output weight (bad when inactive). Its regions stay the lab's.
"""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest

from model.explain import Explainer
from tests import reference as ref
from tests.model.test_words_by_hand import LAB, MEAN, mirror, net_of

THRESHOLDS = (0.2, 0.85)
LAB_REGIONS = ["temperature_too_low", "duration_too_short", "too_hot_for_too_long"]


def flipped(weights: dict, units) -> dict:
    """Return the same function with ``units`` made to signal bad while inactive."""
    w = copy.deepcopy(weights)
    for j in units:
        w2 = w["W2"][j][0]
        w["W1"][0][j], w["W1"][1][j], w["b1"][j], w["W2"][j][0] = (
            -w["W1"][0][j], -w["W1"][1][j], -w["b1"][j], -w2)
        w["b2"] = [w["b2"][0] + w2]
    return w


NETS = {"lab": LAB, "all-positive": flipped(LAB, [0, 1, 2]), "unit-1-positive": flipped(LAB, [1]),
        "mirror": mirror()}
# the lab's readings near each boundary, inside and outside the training range
READINGS = [(160, 13.5), (200, 13.9), (200, 11.8), (250, 14.5), (175, 15.25), (179, 13.0), (190, 12.3),
            (237, 12.25), (262, 13.0), (205, 15.2), (140, 17), (400, 60), (170, 15.5), (265, 14.9),
            # probabilities between 0.2 and 0.85, where the threshold decides
            (200, 11.941), (200, 11.976), (174.74, 13.0), (175.62, 13.0), (230, 12.007),
            (200, 15.027), (200, 14.968), (260.08, 13.0), (259.45, 13.0)]


@pytest.fixture(scope="module", params=list(NETS))
def case(request):
    net = net_of(NETS[request.param])
    return request.param, net, Explainer(net)


def test_positive_output_weights_keep_the_lab_function_and_regions(case):
    name, net, explainer = case
    if name == "mirror":
        return
    assert (net.W2[:, 0] > 0).tolist() == {"lab": [False] * 3, "all-positive": [True] * 3,
                                           "unit-1-positive": [False, True, False]}[name]
    lab = net_of(LAB)
    T, D = np.array(READINGS, float).T
    np.testing.assert_allclose(ref.proba(net, T, D), ref.proba(lab, T, D), rtol=1e-9, atol=1e-15)
    assert [r.region for r in explainer.roles] == LAB_REGIONS
    np.testing.assert_allclose(explainer.predict_many(T, D).probability, ref.proba(lab, T, D),
                               rtol=1e-9, atol=1e-15)


def _check_fired(net, t, d, threshold, good, fired):
    assert good == (ref.proba(net, t, d) >= threshold), (t, d)
    if good:
        assert fired == []
        return
    fewest = ref.fewest_units_that_fix(net, t, d, threshold)
    assert fewest is not None and len(fired) == fewest, (t, d, fired, fewest)
    moved = ref.activations(net, t, d)
    moved[fired] = (net.W2[fired, 0] > 0).astype(float)
    assert moved @ net.W2[:, 0] + net.b2[0] >= math.log(threshold / (1 - threshold)), (t, d, fired)


@pytest.mark.parametrize("threshold", [0.5, *THRESHOLDS])
def test_batch_and_single_verdicts_at_a_threshold_name_the_fewest_units(case, threshold):
    _, net, explainer = case
    T, D = np.array(READINGS, float).T
    batch = explainer.predict_many(T, D, threshold)
    for i, (t, d) in enumerate(READINGS):
        _check_fired(net, t, d, threshold, bool(batch.good_roast[i]), batch.fired(i))
        alone = explainer.predict_many(t, d, threshold)
        _check_fired(net, t, d, threshold, bool(alone.good_roast[0]), alone.fired(0))


def test_the_thresholds_chosen_change_some_verdicts(case):
    _, net, _ = case
    T, D = np.array(READINGS, float).T
    p = ref.proba(net, T, D)
    assert ((p >= 0.2) != (p >= 0.5)).any() and ((p >= 0.85) != (p >= 0.5)).any()


@pytest.mark.parametrize("threshold", THRESHOLDS)
def test_good_windows_at_a_threshold_are_a_brute_force_scan(case, threshold):
    _, net, explainer = case
    for t, d in READINGS[::3]:
        e = explainer.explain(t, d, threshold=threshold)
        for axis, ours, step, tol in (("temperature", e.good_temperature_ranges, 0.005, 0.01),
                                      ("duration", e.good_duration_ranges, 0.0005, 0.001)):
            brute = ref.good_intervals(net, axis, t, d, step, threshold)
            assert len(ours) == len(brute), (axis, t, d, ours, brute)
            for (lo, hi), (blo, bhi) in zip(ours, brute, strict=True):
                assert abs(lo - blo) <= tol + step and abs(hi - bhi) <= tol + step, (axis, ours, brute)


@pytest.mark.parametrize("threshold", THRESHOLDS)
def test_the_nearest_flip_at_a_threshold_is_the_nearest_and_flips(case, threshold):
    _, net, explainer = case
    cut = math.log(threshold / (1 - threshold))
    for t, d in READINGS[::2]:
        e = explainer.explain(t, d, threshold=threshold)
        good = bool(e.verdicts.good_roast[0])
        assert good == (ref.proba(net, t, d) >= threshold)
        if e.nearest_flip is None:
            assert ref.other_verdict_within(net, t, d, good, 3.0, threshold) is None
            continue
        ft, fd, fp, distance = e.nearest_flip
        assert (ref.proba(net, ft, fd) >= threshold) != good, (t, d, e.nearest_flip)
        np.testing.assert_allclose(fp, ref.proba(net, ft, fd), rtol=1e-9)
        assert abs(ref.logits(net, ft, fd) - cut) >= 1e-6 * 0.99
        np.testing.assert_allclose(distance, np.hypot((ft - t) / net.std[0], (fd - d) / net.std[1]))
        nearer = ref.other_verdict_within(net, t, d, good, distance - 0.01, threshold)
        assert nearer is None, f"{(t, d)} at {threshold}: ours {distance:.4f} sd, brute force {nearer:.4f}"


def _shap(net, points, background):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import shap

        exact = shap.explainers.Exact(lambda Z: ref.proba(net, Z[:, 0], Z[:, 1]),
                                      shap.maskers.Independent(background, max_samples=len(background)))
        return exact(points)


def test_both_shapley_baselines_equal_the_shap_librarys(case):
    _, net, explainer = case
    points = np.array(READINGS[:6], float)
    rng = np.random.default_rng(2)  # the lab's data, as DESIGN §1 generates it
    data = rng.random(400).reshape(-1, 2)
    data[:, 1] = data[:, 1] * 4 + 11.5
    data[:, 0] = data[:, 0] * (285 - 150) + 150
    for kind, background in (("data", data), ("mean", MEAN[None, :])):
        theirs = _shap(net, points, background)
        for (t, d), values, base in zip(points, theirs.values, theirs.base_values, strict=True):
            fx = float(ref.proba(net, t, d))
            s = explainer.shapley(t, d, fx, kind)
            assert s.kind == kind and s.background_size == len(background)
            np.testing.assert_allclose(s.values, values, atol=1e-12)
            np.testing.assert_allclose(s.baseline_probability, base, atol=1e-12)
            if kind == "mean":
                np.testing.assert_allclose(s.baseline, MEAN, rtol=1e-12)
            else:
                assert s.baseline is None
        e = explainer.explain(*points[0], baseline=kind)
        np.testing.assert_allclose(e.shapley.values, theirs.values[0], atol=1e-12)


@pytest.mark.parametrize("d", [12.0, 13.5, 15.0])
@pytest.mark.parametrize("below_top", [1e-4, 1e-2, 0.3])
def test_a_window_barely_open_at_the_top_of_the_logit_is_found(d, below_top):
    """A threshold just under the highest logit along temperature leaves one window a fraction of
    a degree wide, narrower than the samples: found, and where a 0.001 °C scan puts it."""
    net = net_of(LAB)
    scan = np.arange(0.0, 500.0, 0.001)
    top = float(ref.logits(net, scan, d).max())
    threshold = 1.0 / (1.0 + math.exp(-(top - below_top)))
    windows = Explainer(net).explain(100.0, d, threshold=threshold).good_temperature_ranges
    brute = ref.good_intervals(net, "temperature", 100.0, d, 0.001, threshold)
    assert len(windows) == len(brute) == 1, (windows, brute)
    (lo, hi), (blo, bhi) = windows[0], brute[0]
    assert abs(lo - blo) <= 0.002 and abs(hi - bhi) <= 0.002, (windows, brute)

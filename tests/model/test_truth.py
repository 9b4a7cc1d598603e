"""Every explanation field, for every model of the zoo, held against brute force or a hand formula."""

from __future__ import annotations

import re

import numpy as np
import pytest

from model.data import load_coffee_data
from model.explain import Explainer
from tests import reference as ref
from tests.model.zoo import NAMES, readings, zoo

REGION_WORDS = ("temperature too low", "duration too short", "too hot for too long",
                "temperature too high", "duration too long")
# The DESIGN table's half-planes: region -> the signs of (t, d) that lead into it (0: either).
REGION_SIGNS = {"temperature_too_low": (-1, 0), "duration_too_short": (0, -1),
                "too_hot_for_too_long": (1, 1), "temperature_too_high": (1, 0),
                "duration_too_long": (0, 1)}


@pytest.fixture(scope="session")
def explained():
    """Return name -> (net, explainer, [(t, d, explanation)]), built once a session (not once a
    process: make mutate runs a session per mutant in a process that ran the tests before)."""
    memo = {}

    def get(name: str):
        if name not in memo:
            net = zoo()[name]
            explainer = Explainer(net)
            memo[name] = net, explainer, [(t, d, explainer.explain(t, d)) for t, d in readings(name)]
        return memo[name]

    return get


def bad_sign(net, j: int) -> float:
    """+1 when unit j signals bad while active (negative output weight), -1 when inactive."""
    return -1.0 if net.W2[j, 0] > 0 else 1.0


def pre_activation(net, j: int, t: float, d: float) -> float:
    return float(net.W1[0, j] * (t - net.mean[0]) / net.std[0]
                 + net.W1[1, j] * (d - net.mean[1]) / net.std[1] + net.b1[j])


@pytest.mark.parametrize("name", NAMES)
def test_probabilities_are_the_lab_forward_pass(explained, name):
    net, _, answers = explained(name)
    for t, d, e in answers:
        np.testing.assert_allclose(e.verdicts.probability[0], ref.proba(net, t, d), rtol=1e-11, atol=1e-14)
        np.testing.assert_allclose(e.verdicts.hidden[0], ref.activations(net, t, d), rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_every_bad_verdict_names_the_fewest_units_that_would_fix_it(explained, name):
    net, _, answers = explained(name)
    for t, d, e in answers:
        v = e.verdicts
        fired = v.fired(0)
        if v.good_roast[0]:
            assert fired == []
            continue
        fewest = ref.fewest_units_that_fix(net, t, d)
        if fewest is None:  # no unit can make it good: every unit that pushes is named, largest first
            pushing = [j for j in range(net.hidden_units) if v.push[0, j] > 0]
            assert fired == sorted(pushing, key=lambda j: -v.push[0, j])
            continue
        assert fired, f"bad at {(t, d)} with nobody responsible"
        assert len(fired) == fewest
        moved = ref.activations(net, t, d)
        moved[fired] = (net.W2[fired, 0] > 0).astype(float)
        assert moved @ net.W2[:, 0] + net.b2[0] >= 0, "moving the named units does not fix the roast"


@pytest.mark.parametrize("name", NAMES)
def test_closest_is_the_unit_whose_boundary_is_nearest(explained, name):
    net, explainer, answers = explained(name)
    live = [r.live for r in explainer.roles]
    for t, d, e in answers:
        norms = np.hypot(net.W1[0], net.W1[1])
        with np.errstate(divide="ignore", invalid="ignore"):
            by_hand = np.array([abs(pre_activation(net, j, t, d)) for j in range(net.hidden_units)]) / norms
        by_hand[~np.array(live) | (norms == 0)] = np.inf
        v = e.verdicts
        if not np.isfinite(by_hand).any():
            assert v.closest[0] == -1
            continue
        assert v.closest[0] == int(np.argmin(by_hand))
        np.testing.assert_allclose(v.boundary_distance[0, v.closest[0]], by_hand.min(), rtol=1e-9)
        near = v.near_bad(0)
        assert near == sorted(near, key=lambda j: by_hand[j])


@pytest.mark.parametrize("name", NAMES)
def test_every_units_distance_and_pre_activation_terms_are_the_hand_formulas(explained, name):
    """Each unit's boundary distance is |z| over the norm of its weights (training sd), infinite
    for a unit without weights; its pre-activation terms are w_t·t', w_d·d' and b1 of the
    normalised reading, and they add up to z."""
    net, _, answers = explained(name)
    norms = np.hypot(net.W1[0], net.W1[1])
    for t, d, e in answers:
        tn, dn = (t - net.mean[0]) / net.std[0], (d - net.mean[1]) / net.std[1]
        for j in range(net.hidden_units):
            z = pre_activation(net, j, t, d)
            expected = np.inf if norms[j] == 0 else abs(z) / norms[j]
            np.testing.assert_allclose(e.verdicts.boundary_distance[0, j], expected, rtol=1e-9)
            terms = e.pre_activation[j]
            np.testing.assert_allclose(terms, (net.W1[0, j] * tn, net.W1[1, j] * dn, net.b1[j]),
                                       rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(sum(terms), z, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_sentences_stay_true(explained, name):
    net, explainer, answers = explained(name)
    for role in explainer.roles:
        if role.region in REGION_SIGNS:  # the unit's weights lead into its region
            for k, s in enumerate(REGION_SIGNS[role.region]):
                if s:
                    assert np.sign(bad_sign(net, role.neuron) * net.W1[k, role.neuron]) == s, role
        if role.region == "unclear":
            assert not any(w in role.description for w in REGION_WORDS)
    for t, d, e in answers:
        v = e.verdicts
        for j, role in enumerate(explainer.roles):
            text = v.reason(0, j)
            if role.region == "unclear":
                assert not any(w in text for w in REGION_WORDS), text
            if j in v.fired(0) and role.region in REGION_SIGNS:
                assert text.startswith(dict(zip(REGION_SIGNS, REGION_WORDS, strict=True))[role.region])
            assert ("extrapolated" in text) == bool(v.extrapolated[0])
            _check_thresholds(net, j, t, d, text)


def _check_thresholds(net, j: int, t: float, d: float, text: str) -> None:
    w_t, w_d = net.W1[:, j]
    rest = net.b1[j]
    for match in re.finditer(r"threshold of (-?[\d.]+) °C", text):
        value = float(match.group(1))
        by_hand = net.mean[0] - net.std[0] * (w_d * (d - net.mean[1]) / net.std[1] + rest) / w_t
        assert ref.VALID_T[0] - 0.05 <= value <= ref.VALID_T[1] + 0.05, text
        assert abs(value - by_hand) <= 0.051, text
    for match in re.finditer(r"(?:threshold of|duration limit is) (-?[\d.]+) min", text):
        value = float(match.group(1))
        by_hand = net.mean[1] - net.std[1] * (w_t * (t - net.mean[0]) / net.std[0] + rest) / w_d
        assert ref.VALID_D[0] - 0.005 <= value <= ref.VALID_D[1] + 0.005, text
        assert abs(value - by_hand) <= 0.0051, text
    match = re.search(r"on its (bad|good) side (at every temperature|for every duration)", text)
    if match:
        ends = ([(ref.VALID_T[0], d), (ref.VALID_T[1], d)] if "temperature" in match.group(2)
                else [(t, ref.VALID_D[0]), (t, ref.VALID_D[1])])
        sides = {bad_sign(net, j) * pre_activation(net, j, *end) > 0 for end in ends}
        assert sides == {match.group(1) == "bad"}, text


@pytest.mark.parametrize("name", NAMES)
def test_good_windows_are_every_interval_of_a_brute_force_scan(explained, name):
    net, _, answers = explained(name)
    for t, d, e in answers[::4]:
        for axis, ours, step, tol in (("temperature", e.good_temperature_ranges, 0.005, 0.01),
                                      ("duration", e.good_duration_ranges, 0.0005, 0.001)):
            brute = ref.good_intervals(net, axis, t, d, step)
            assert len(ours) == len(brute), (axis, t, d, ours, brute)
            for (lo, hi), (blo, bhi) in zip(ours, brute, strict=True):
                assert abs(lo - blo) <= tol + step and abs(hi - bhi) <= tol + step, (axis, t, d, ours, brute)


@pytest.mark.parametrize("name", NAMES)
def test_the_nearest_flip_is_the_nearest_and_really_flips(explained, name):
    net, _, answers = explained(name)
    for t, d, e in answers:
        good = bool(e.verdicts.good_roast[0])
        if e.nearest_flip is None:  # nothing in the valid range has the other verdict
            assert ref.other_verdict_within(net, t, d, good, 3.0) is None
            continue
        ft, fd, fp, distance = e.nearest_flip
        assert (ref.proba(net, ft, fd) >= 0.5) != good
        assert abs(ref.logits(net, ft, fd)) >= 1e-6 * 0.99  # strictly past, by the stated margin
        np.testing.assert_allclose(distance, np.hypot((ft - t) / net.std[0], (fd - d) / net.std[1]))
        nearer = ref.other_verdict_within(net, t, d, good, distance - 0.01)
        assert nearer is None, f"{(t, d)}: ours {distance:.4f} sd, brute force {nearer:.4f} sd"


@pytest.mark.parametrize("name", NAMES)
def test_shapley_values_are_the_textbook_sum(explained, name):
    net, explainer, answers = explained(name)
    background = load_coffee_data()[0]
    for t, d, e in answers[:6]:
        np.testing.assert_allclose(e.shapley.values, ref.shapley(net, t, d, background), atol=1e-12)
        mean = explainer.shapley(t, d, float(e.verdicts.probability[0]), "mean")
        np.testing.assert_allclose(mean.values, ref.shapley(net, t, d, net.mean[None, :]), atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_a_reading_gets_the_same_bits_alone_and_in_any_batch(explained, name):
    net, explainer, answers = explained(name)
    rng = np.random.default_rng(7)
    T, D = rng.uniform(0, 500, 64), rng.uniform(0.1, 120, 64)
    T[1::2], D[1::2] = rng.uniform(150, 285, 32), rng.uniform(11.5, 15.5, 32)  # near more boundaries
    units = ["F" if k % 3 == 0 else "C" for k in range(64)]
    alone = [explainer.predict_many(t, d, units=[u]) for t, d, u in zip(T, D, units, strict=True)]
    for size in (2, 7, 8, 9, 33, 64):  # from BY_ARRAYS on, lists and sentences come from arrays
        batch = explainer.predict_many(T[:size], D[:size], units=units[:size])
        fired, near_bad = batch.fired_lists(), batch.near_bad_lists()
        sentences = [batch.reasons(j, np.arange(size)) for j in range(net.hidden_units)]
        for i in range(size):
            assert list(fired[i]) == alone[i].fired(0) and list(near_bad[i]) == alone[i].near_bad(0)
            assert [s[i] for s in sentences] == [alone[i].reason(0, j) for j in range(net.hidden_units)]
            assert batch.probability[i] == alone[i].probability[0]
            for field in ("hidden", "push", "boundary_distance", "state", "pre_activation"):
                assert (getattr(batch, field)[i] == getattr(alone[i], field)[0]).all(), field
            assert batch.fired(i) == alone[i].fired(0) and batch.near_bad(i) == alone[i].near_bad(0)
            assert batch.closest[i] == alone[i].closest[0]
            assert batch.extrapolated[i] == alone[i].extrapolated[0]
            assert batch.reason(i, 0) == alone[i].reason(0, 0)
            # the answers read a reading's fields as lists: alone, made with the reading; in a
            # batch, converted from the arrays. Same values and the same Python types.
            for mine, theirs in zip(alone[i].rows, batch.rows, strict=True):
                assert repr(mine[0]) == repr(theirs[i])


@pytest.mark.parametrize("name", ["lab", "seed-4", "eight-units", "steep"])
def test_maps_are_the_lab_forward_pass(explained, name):
    net, explainer, _ = explained(name)
    t, d, p, A = explainer.maps(7)
    T, D = np.meshgrid(t, d)
    np.testing.assert_allclose(p, ref.proba(net, T, D), rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(A[:, 2, 5], ref.activations(net, t[5], d[2]), rtol=1e-11, atol=1e-14)

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.data import load_coffee_data
from model.explain import Explainer
from model.network import Network
from tests import reference as ref
from tests.model.zoo import zoo

readings = st.tuples(st.floats(100, 350), st.floats(9, 18))


def one(explainer, t, d, threshold=0.5):
    return explainer.predict_many(t, d, threshold)


@pytest.mark.parametrize(
    ("reading", "unit", "region"),
    [((160, 13.5), 0, "temperature_too_low"), ((230, 14.5), 2, "too_hot_for_too_long"),
     ((220, 11.8), 1, "duration_too_short")],
)
def test_lab_bad_readings_name_the_expected_unit(lab_explainer, reading, unit, region):
    v = one(lab_explainer, *reading)
    assert not v.good_roast[0]
    assert v.fired(0) == [unit]
    assert v.roles[unit].region == region
    assert v.closest[0] == unit
    assert v.hidden[0, unit] >= 0.5


def test_a_good_roast_names_no_cause_and_lists_the_near_units(lab_explainer):
    v = one(lab_explainer, 200, 13.9)
    assert v.good_roast[0] and v.fired(0) == []
    np.testing.assert_allclose(v.probability[0], 0.963, atol=5e-4)
    assert v.closest[0] == 2 and v.near_bad(0) == [2]  # 13.9 min is just under the 13.95 min limit


def test_pushes_are_what_each_unit_costs_the_log_odds(lab, lab_explainer):
    t, d = 230, 14.5
    v = one(lab_explainer, t, d)
    h = ref.activations(lab, t, d)
    w2 = lab.W2[:, 0]
    best = np.where(w2 > 0, w2, 0.0)  # each unit at its good extreme
    np.testing.assert_allclose(v.push[0], best - w2 * h, rtol=1e-12, atol=1e-12)


def test_extrapolated_readings_are_marked(lab_explainer):
    assert one(lab_explainer, 320, 13).extrapolated[0]
    assert not one(lab_explainer, 200, 13).extrapolated[0]


@settings(max_examples=100, deadline=None)
@given(readings)
def test_shapley_values_add_up_for_both_baselines(lab_explainer, reading):
    e = lab_explainer.explain(*reading)
    p = e.verdicts.probability[0]
    assert abs(sum(e.shapley.values) - (p - e.shapley.baseline_probability)) < 1e-12
    mean = lab_explainer.shapley(*reading, p, "mean")
    assert abs(sum(mean.values) - (p - mean.baseline_probability)) < 1e-12


def test_shapley_values_equal_the_shap_librarys_exact_explainer(lab, lab_explainer):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import shap

        background = load_coffee_data()[0]
        points = np.array([[160, 13.5], [174.5, 14.8], [230, 14.5], [200, 13.9], [400, 60]])
        exact = shap.explainers.Exact(lambda Z: ref.proba(lab, Z[:, 0], Z[:, 1]),
                                      shap.maskers.Independent(background, max_samples=200))
        theirs = exact(points)
    for (t, d), values, base in zip(points, theirs.values, theirs.base_values, strict=True):
        s = lab_explainer.explain(t, d).shapley
        np.testing.assert_allclose(s.values, values, atol=1e-12)
        np.testing.assert_allclose(s.baseline_probability, base, atol=1e-12)


def test_the_data_baseline_blames_what_is_wrong(lab_explainer):
    # At 160 °C and a fine duration the temperature is the fault: against typical roasts it
    # takes the blame; against the training mean (itself a bad roast) both are near zero.
    e = lab_explainer.explain(160, 13.5)
    assert e.shapley.kind == "data" and e.shapley.background_size == 200
    assert e.shapley.values[0] < -0.2 and abs(e.shapley.values[1]) < 0.05
    mean = lab_explainer.shapley(160, 13.5, float(e.verdicts.probability[0]), "mean")
    assert max(abs(v) for v in mean.values) < 1e-3


def test_the_threshold_changes_the_verdict_and_the_windows(lab, lab_explainer):
    assert one(lab_explainer, 200, 13.9, 0.5).good_roast[0]
    assert not one(lab_explainer, 200, 13.9, 0.99).good_roast[0]
    e = lab_explainer.explain(200, 13.9, threshold=0.99)
    for lo, hi in e.good_temperature_ranges:
        assert ref.proba(lab, (lo + hi) / 2, 13.9) >= 0.99
    ft, fd, _, _ = e.nearest_flip
    assert ref.proba(lab, ft, fd) >= 0.99


def test_a_model_that_is_bad_everywhere_has_no_window_and_no_flip_from_bad():
    e = Explainer(zoo()["always-bad"]).explain(200, 13.9)
    assert not e.verdicts.good_roast[0]
    assert e.good_temperature_ranges == [] and e.good_duration_ranges == []
    assert e.nearest_flip is None
    assert e.verdicts.fired(0)  # the units that push are still named


def test_closest_is_none_when_no_live_unit_has_a_boundary():
    """Unit 0 is inactive; unit 1 sways the verdict (its region is unclear) but moves its
    pre-activation by 1e-10 per sd, flatter than any boundary: no unit is nearest."""
    net = Network(W1=[[0.0, 1e-10], [0.0, 0.0]], b1=[0.0, 0.0], W2=[[-0.001], [-10.0]], b2=[3.0],
                  mean=[220.0, 13.0], std=[1e-12, 1.0])
    explainer = Explainer(net)
    assert [(r.region, r.live) for r in explainer.roles] == [("inactive", False), ("unclear", True)]
    assert explainer.predict_many(221.0, 13.0).closest.tolist() == [-1]  # one reading
    assert explainer.predict_many([221.0] * 20, [13.0] * 20).closest.tolist() == [-1] * 20  # a batch


# Zeros, ordinary and huge values. First-layer weights stop at 200 per sd (a unit that turns
# within 1/40 sd); the zoo's "steep" model goes further.
inner = st.one_of(st.just(0.0), st.floats(-60, 60), st.sampled_from([-200.0, 200.0]))
outer = st.one_of(st.just(0.0), st.floats(-60, 60), st.sampled_from([-2e3, -1e3, 1e3, 2e3]))


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4).flatmap(lambda H: st.tuples(
    st.lists(st.lists(inner, min_size=H, max_size=H), min_size=2, max_size=2),
    st.lists(outer, min_size=H, max_size=H), st.lists(outer, min_size=H, max_size=H),
    outer)), st.tuples(st.floats(0, 500), st.floats(0.1, 120)))
def test_any_finite_weights_explain_every_reading_truthfully(params, reading):
    W1, b1, w2, b2 = params
    mean, std = load_coffee_data()[0].mean(axis=0), load_coffee_data()[0].std(axis=0)
    net = Network(W1=np.array(W1), b1=np.array(b1), W2=np.array(w2)[:, None], b2=np.array([b2]),
                  mean=mean, std=std)
    t, d = reading
    e = Explainer(net).explain(t, d)
    v = e.verdicts
    np.testing.assert_allclose(v.probability[0], ref.proba(net, t, d), rtol=1e-11, atol=1e-14)
    good = bool(v.good_roast[0])
    if not good:  # the fewest units, up to rounding in the last bits of the log-odds
        strict = ref.fewest_units_that_fix(net, t, d, slack=-1e-9)
        lenient = ref.fewest_units_that_fix(net, t, d, slack=1e-9)
        if strict is not None:
            assert max(lenient, 1) <= len(v.fired(0)) <= strict
    for j in range(net.hidden_units):
        assert isinstance(v.reason(0, j), str)
    if e.nearest_flip is not None:
        ft, fd, _, distance = e.nearest_flip
        assert (ref.proba(net, ft, fd) >= 0.5) != good
        assert ref.other_verdict_within(net, t, d, good, min(distance - 0.01, 4.0)) is None
    for lo, hi in e.good_temperature_ranges:
        assert ref.proba(net, (lo + hi) / 2, d) >= 0.5 or hi - lo < 0.02


def test_a_list_of_one_reading_is_the_same_as_the_reading(lab_explainer):
    one = lab_explainer.predict_many(174.5, 14.8, units=["F"])
    listed = lab_explainer.predict_many([174.5], [14.8], units=["F"])
    pair = lab_explainer.predict_many([174.5, 200.0], [14.8, 13.9], units=["F", "C"])
    for v in (listed, pair):
        assert v.probability[0] == one.probability[0] and v.fired(0) == one.fired(0)
        assert v.reason(0, 2) == one.reason(0, 2)
    assert "°F" in one.reason(0, 2) and "°C" not in one.reason(0, 2)


def test_a_reading_exactly_at_the_threshold_is_good(lab, lab_explainer):
    p = float(lab_explainer.predict_many(200.0, 13.9).probability[0])
    for v in (lab_explainer.predict_many(200.0, 13.9, p),
              lab_explainer.predict_many([200.0, 160.0], [13.9, 13.5], p)):
        assert v.good_roast[0] and v.fired(0) == []
    assert not lab_explainer.predict_many(200.0, 13.9, np.nextafter(p, 1)).good_roast[0]


@pytest.mark.parametrize(("t", "d", "outside"), [
    (150.0, 11.5, False), (285.0, 15.5, False), (149.99, 13.0, True), (285.01, 13.0, True),
    (200.0, 11.49, True), (200.0, 15.51, True)])
def test_the_training_range_includes_its_edges(lab_explainer, t, d, outside):
    assert lab_explainer.predict_many(t, d).extrapolated[0] == outside
    assert lab_explainer.predict_many([t, 200.0], [d, 13.0]).extrapolated[0] == outside


def test_a_model_without_a_live_unit_has_no_closest_unit():
    # every unit constant or inactive: no boundary that sways a verdict
    from tests.model.zoo import imported

    net = imported(W1=[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], b1=[3.0, -3.0, 0.0])
    explainer = Explainer(net)
    assert not any(r.live for r in explainer.roles)
    assert explainer.predict_many(200.0, 13.9).closest[0] == -1
    assert explainer.predict_many([200.0, 160.0], [13.9, 13.5]).closest.tolist() == [-1, -1]


@pytest.mark.parametrize("name", ["lab", "default", "seed-4", "eight-units", "always-on", "always-bad",
                                  "symmetric"])
def test_every_units_state_follows_its_definition(name):
    # by hand: responsible (1) = fired; also bad (2) = on its bad side or pushing by 1 or more on a
    # bad verdict; near bad (3) = live and on its bad side or within 0.5 sd on a good one
    net = zoo()[name]
    explainer = Explainer(net)
    rng = np.random.default_rng(5)
    t, d = rng.uniform(100, 350, 300), rng.uniform(9, 18, 300)
    for v in (explainer.predict_many(t, d), *(explainer.predict_many(a, b) for a, b in zip(t[:40], d[:40],
                                                                                          strict=True))):
        for i in range(len(v)):
            x = (np.array([v.temperature[i], v.duration[i]]) - net.mean) / net.std
            w2 = net.W2[:, 0]
            with np.errstate(over="ignore"):  # sigmoid(-z) for units bad when inactive, sigmoid(z) else
                push = np.abs(w2) / (1 + np.exp(np.where(w2 > 0, 1, -1) * (x @ net.W1 + net.b1)))
            np.testing.assert_allclose(v.push[i], push, rtol=1e-9, atol=1e-12)
            for j, role in enumerate(v.roles):
                z = float(v.pre_activation[i, j])
                bad_side = role.live and (z > 0 if w2[j] <= 0 else z < 0)
                if not v.good_roast[i]:
                    expected = 1 if j in v.fired(i) else 2 if bad_side or push[j] >= 1.0 else 0
                else:
                    expected = 3 if role.live and (bad_side or v.boundary_distance[i, j] <= 0.5) else 0
                assert v.state[i, j] == expected, (name, i, j)
            stuck = ref.fewest_units_that_fix(net, v.temperature[i], v.duration[i]) is None
            if not v.good_roast[i] and stuck:
                pushing = [j for j in range(len(push)) if push[j] > 0]
                assert v.fired(i) == sorted(pushing, key=lambda j: -v.push[i, j])

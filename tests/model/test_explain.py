import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.explain import Explainer

readings = st.tuples(st.floats(100, 350), st.floats(9, 18))


@pytest.mark.parametrize(
    ("reading", "unit", "region"),
    [((160, 13.5), 0, "temperature_too_low"), ((230, 14.5), 2, "too_hot_for_too_long"),
     ((220, 11.8), 1, "duration_too_short")],
)
def test_lab_bad_readings_fire_the_expected_unit(lab_explainer, reading, unit, region):
    pred = lab_explainer.predict(*reading)
    assert not pred.good_roast
    assert [u.neuron for u in pred.fired] == [unit]
    assert pred.fired[0].region == region
    assert pred.closest.neuron == unit
    assert pred.fired[0].activation >= 0.5


def test_good_roast_fires_nothing_but_names_the_closest_unit(lab_explainer):
    pred = lab_explainer.predict(200, 13.9)
    assert pred.good_roast and pred.fired == []
    np.testing.assert_allclose(pred.probability, 0.963, atol=5e-4)
    assert pred.closest.neuron == 2  # 13.9 min is just under the unit's 13.95 min limit


def test_units_add_up_to_the_output(lab, lab_explainer):
    pred = lab_explainer.predict(230, 14.5)
    logit = lab.b2[0] + sum(u.logit_contribution for u in pred.units)
    np.testing.assert_allclose(1 / (1 + np.exp(-logit)), pred.probability, rtol=1e-12)
    for u in pred.units:
        z = sum(u.pre_activation)
        np.testing.assert_allclose(1 / (1 + np.exp(-z)), u.activation, rtol=1e-9)


def test_extrapolated_readings_are_marked(lab_explainer):
    assert lab_explainer.predict(320, 13).extrapolated
    assert not lab_explainer.predict(200, 13).extrapolated


@settings(max_examples=200, deadline=None)
@given(readings)
def test_shapley_values_add_up(lab_explainer, reading):
    e = lab_explainer.explain(*reading)
    total = e.shapley[0] + e.shapley[1]
    assert abs(total - (e.prediction.probability - e.baseline_probability)) < 1e-9


def test_shapley_baseline_is_the_training_mean(lab, lab_explainer):
    e = lab_explainer.explain(160, 13.5)
    np.testing.assert_allclose(e.baseline, lab.mean)
    # At 160 °C the temperature is what makes it bad: it takes the blame.
    assert e.shapley[0] < e.shapley[1]


@settings(max_examples=100, deadline=None)
@given(readings)
def test_windows_hold_good_roasts_and_the_flip_flips(lab, lab_explainer, reading):
    t, d = reading
    e = lab_explainer.explain(t, d)
    if e.good_temperature_range is not None:
        lo, hi = e.good_temperature_range
        assert lo <= hi
        for v in (lo, 0.5 * (lo + hi), hi):
            assert lab.proba_at(v, d) >= 0.5
    if e.good_duration_range is not None:
        lo, hi = e.good_duration_range
        for v in (lo, 0.5 * (lo + hi), hi):
            assert lab.proba_at(t, v) >= 0.5
    assert e.nearest_flip is not None
    ft, fd, fp = e.nearest_flip
    assert (lab.proba_at(ft, fd) >= 0.5) != e.prediction.good_roast
    assert fp == lab.proba_at(ft, fd)


def test_window_edges_are_tight(lab):
    e = Explainer(lab).explain(160, 13.5)
    lo, hi = e.good_temperature_range
    assert 170 < lo < 180 and 200 < hi < 220
    assert lab.proba_at(lo - 0.01, 13.5) < 0.5 and lab.proba_at(hi + 0.01, 13.5) < 0.5
    assert e.good_duration_range is None  # nothing at 160 °C is a good roast


def test_nearest_flip_is_near(lab_explainer):
    # (175.5 °C, 13.5 min) sits just over unit 0's threshold: the flip is a little cooler.
    ft, fd, _ = lab_explainer.explain(176, 13.5).nearest_flip
    assert abs(fd - 13.5) < 0.1 and 170 < ft < 176


def test_threshold_changes_the_verdict(lab_explainer):
    assert lab_explainer.predict(200, 13.9, threshold=0.5).good_roast
    assert not lab_explainer.predict(200, 13.9, threshold=0.99).good_roast
    e = lab_explainer.explain(200, 13.9, threshold=0.99)
    assert e.good_temperature_range is None or e.good_temperature_range[0] > 170


def test_maps_match_the_forward_pass(lab, lab_explainer):
    t, d, p, A = lab_explainer.maps(5)
    assert p.shape == (5, 5) and A.shape == (3, 5, 5)
    np.testing.assert_allclose(p[1, 3], lab.proba_at(t[3], d[1]), rtol=1e-12)
    np.testing.assert_allclose(A[:, 1, 3], lab.forward(np.array([[t[3], d[1]]]))[0][0])


def test_batch_predictions_equal_one_at_a_time(lab_explainer):
    rng = np.random.default_rng(4)
    t, d = rng.uniform(120, 320, 300), rng.uniform(10, 17, 300)
    batch = lab_explainer.predict_many(t, d)
    texts = batch.reasons()
    for i in range(300):
        one = lab_explainer.predict(t[i], d[i])
        np.testing.assert_allclose(batch.probability[i], one.probability, rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(batch.hidden[i], [u.activation for u in one.units], rtol=1e-9, atol=1e-15)
        assert batch.good_roast[i] == one.good_roast
        assert list(np.flatnonzero(batch.fired[i])) == [u.neuron for u in one.fired]
        assert batch.closest[i] == one.closest.neuron
        assert batch.extrapolated[i] == one.extrapolated
        assert texts[batch.closest[i]][i] == one.closest.reason
        assert [texts[u.neuron][i] for u in one.fired] == [u.reason for u in one.fired]


RANDOM_READINGS = [tuple(r) for r in np.random.default_rng(11).uniform([140, 11], [300, 16], (30, 2))]


@pytest.mark.parametrize("reading", [(230, 14.5), (160, 13.5), (220, 11.8), (200, 13.9), (250, 15.2),
                                     *RANDOM_READINGS])
def test_nearest_flip_is_about_as_near_as_brute_force(lab, lab_explainer, reading):
    t, d = reading
    e = lab_explainer.explain(t, d)
    ft, fd, _ = e.nearest_flip
    found = np.hypot((ft - t) / lab.std[0], (fd - d) / lab.std[1])
    T, D = np.meshgrid(np.linspace(150, 285, 400), np.linspace(11.5, 15.5, 400))
    X = np.stack([T.ravel(), D.ravel()], axis=1)
    other = (lab.predict_proba(X) >= 0.5) != e.prediction.good_roast
    brute = np.hypot((X[other, 0] - t) / lab.std[0], (X[other, 1] - d) / lab.std[1]).min()
    assert found <= brute * 1.05 + 0.01

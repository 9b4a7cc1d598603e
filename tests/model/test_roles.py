import numpy as np
import pytest

from model.network import Network
from model.roles import fmt, neuron_roles, reason, reasons


def test_lab_units_take_the_regions_the_lab_reads_by_eye(lab):
    roles = neuron_roles(lab)
    assert [r.region for r in roles] == [
        "temperature_too_low", "duration_too_short", "too_hot_for_too_long"]
    assert all(r.agreement > 0.9 for r in roles)
    mean_t, mean_d = lab.mean
    np.testing.assert_allclose(roles[0].threshold(mean_t, mean_d), 175, atol=1.5)
    np.testing.assert_allclose(roles[1].threshold(mean_t, mean_d), 12, atol=0.1)
    assert "below 174.5 °C" in roles[0].description
    assert roles[1].description.startswith("duration too short: signals a bad roast below 12.0")


def test_the_threshold_is_where_the_pre_activation_crosses_zero(lab):
    for role in neuron_roles(lab):
        for t, d in [(160.0, 12.0), (240.0, 14.5)]:
            th = role.threshold(t, d)
            tt, dd = (th, d) if role.axis == "temperature" else (t, th)
            assert abs(role.a_t * tt + role.a_d * dd + role.c) < 1e-9


@pytest.mark.parametrize(
    ("reading", "unit", "starts"),
    [
        ((160, 13.5), 0, "temperature too low: 160.0 °C is "),
        ((220, 11.8), 1, "duration too short: 11.80 min is "),
        ((230, 14.5), 2, "too hot for too long: at 230.0 °C this neuron's duration limit is "),
    ],
)
def test_reasons_name_the_reading_threshold_and_unit(lab, reading, unit, starts):
    role = neuron_roles(lab)[unit]
    text = reason(role, *reading)
    assert text.startswith(starts)
    th = fmt(role.threshold(*reading), "°C" if role.axis == "temperature" else "min")
    assert th in text


def test_reason_gap_is_the_distance_to_the_threshold(lab):
    role = neuron_roles(lab)[0]
    th = role.threshold(160, 13.5)
    expected = f"is {fmt(th - 160, '°C')} under this neuron's threshold of {fmt(th, '°C')}"
    assert expected in reason(role, 160, 13.5)
    assert reason(role, 200, 13.5).startswith("temperature high enough: 200.0 °C is ")


def test_a_misplaced_unit_is_not_given_the_region_it_points_at(lab):
    # A duration unit pointing the right way but sitting at 14.5 min instead of 12.
    data = lab.to_dict()
    W1 = np.array(data["W1"])
    b1 = np.array(data["b1"])
    shift = (14.5 - lab.mean[1]) / lab.std[1]
    b1[1] = -W1[1, 1] * shift
    W1[0, 1] = 0.0
    roles = neuron_roles(Network.from_dict({**data, "W1": W1.tolist(), "b1": b1.tolist()}))
    assert roles[1].region != "duration_too_short"
    assert roles[1].axis == "duration" and not roles[1].bad_above


def test_a_flat_unit_is_inactive(lab):
    data = lab.to_dict()
    data["W2"] = [[-31.38], [1e-4], [-32.79]]
    roles = neuron_roles(Network.from_dict(data))
    assert roles[1].region == "inactive"
    assert "inactive" in reason(roles[1], 200, 13)


def test_a_unit_with_positive_output_weight_is_bad_when_inactive(lab):
    data = lab.to_dict()
    # Negate unit 0 and its output weight: the same function, the opposite activation sign.
    W1, b1, W2 = np.array(data["W1"]), np.array(data["b1"]), np.array(data["W2"])
    W1[:, 0], b1[0], W2[0, 0] = -W1[:, 0], -b1[0], -W2[0, 0]
    b2 = [data["b2"][0] - W2[0, 0]]
    flipped = Network.from_dict({**data, "W1": W1.tolist(), "b1": b1.tolist(),
                                 "W2": W2.tolist(), "b2": b2})
    X = np.array([[160.0, 13.5], [200.0, 13.9]])
    np.testing.assert_allclose(flipped.predict_proba(X), lab.predict_proba(X), rtol=1e-9)
    role = neuron_roles(flipped)[0]
    assert role.region == "temperature_too_low" and role.sign == -1.0
    assert reason(role, 160, 13.5).startswith("temperature too low")


def test_fmt():
    assert fmt(160.0, "°C") == "160.0 °C"
    assert fmt(174.46, "°C") == "174.5 °C"
    assert fmt(12.0, "min") == "12.00 min"
    assert fmt(11.8049, "min") == "11.80 min"


def test_batch_reasons_equal_single_ones(lab):
    rng = np.random.default_rng(6)
    ts, ds = rng.uniform(140, 300, 50).tolist(), rng.uniform(11, 16, 50).tolist()
    for role in neuron_roles(lab):
        assert reasons(role, ts, ds) == [reason(role, t, d) for t, d in zip(ts, ds, strict=True)]

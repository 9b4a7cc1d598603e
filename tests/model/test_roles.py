import numpy as np
import pytest

from model.network import Network
from model.roles import neuron_roles
from model.words import CLEAR, RESPONSIBLE, reason, temperature, temperature_gap
from tests.model.zoo import imported, zoo


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
        ((160, 13.5), 0, "temperature too low: 160.0 °C is 14.5 °C under this neuron's threshold "
                         "of 174.5 °C"),
        ((220, 11.8), 1, "duration too short: 11.80 min is 0.21 min under this neuron's threshold "
                         "of 12.01 min"),
        ((230, 14.5), 2, "too hot for too long: at 230.0 °C this neuron's duration limit is 12.94 min "
                         "and 14.50 min is 1.56 min over it"),
    ],
)
def test_reasons_name_the_reading_threshold_and_gap(lab, reading, unit, starts):
    # The thresholds by hand: where W1[:, j]·x_normalised + b1[j] = 0.
    role = neuron_roles(lab)[unit]
    assert reason(role, *reading, RESPONSIBLE, 30.0).startswith(starts)


def test_a_good_side_reason_says_so(lab):
    assert reason(neuron_roles(lab)[0], 200, 13.5, CLEAR, 0.1).startswith(
        "temperature high enough: 200.0 °C is 25.5 °C over this neuron's threshold of 174.5 °C")


def test_a_responsible_unit_still_on_its_good_side_says_how_hard_it_pulls(lab):
    text = reason(neuron_roles(lab)[2], 174.5, 14.8, RESPONSIBLE, 15.22)
    assert text.startswith("too hot for too long: at 174.5 °C this neuron's duration limit is 14.81 min")
    assert text.endswith("it is still close enough to pull the log-odds 15.22 towards bad")


def test_fahrenheit_sentences_give_temperatures_and_gaps_in_fahrenheit(lab):
    text = reason(neuron_roles(lab)[0], 160, 13.5, RESPONSIBLE, 30.0, unit="F")
    # 160 °C = 320 °F; 14.5 °C under = 26.1 °F under; 174.5 °C = 346.1 °F
    assert text.startswith("temperature too low: 320.0 °F is 26.1 °F under this neuron's threshold "
                           "of 346.1 °F")
    assert "°C" not in text
    assert temperature(100, "F") == "212.0 °F" and temperature_gap(10, "F") == "18.0 °F"


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


def test_a_unit_that_never_matters_is_inactive(lab):
    data = lab.to_dict()
    data["W2"] = [[-31.38], [1e-4], [-32.79]]
    roles = neuron_roles(Network.from_dict(data))
    assert roles[1].region == "inactive"
    assert roles[1].description.startswith("inactive")


def test_an_always_on_unit_is_constant_not_inactive():
    role = neuron_roles(zoo()["always-on"])[1]
    lo, hi = role.activation_range
    assert lo > 0.9 and role.push_range[0] > 5  # it pulls every roast's log-odds by over 5
    assert role.region == "constant"
    assert role.description.startswith("constant: always on over the training range")


def test_a_unit_without_a_temperature_weight_is_never_too_hot_for_too_long():
    roles = neuron_roles(zoo()["zero-temperature-weight"])
    assert roles[2].region != "too_hot_for_too_long"


def test_a_zero_weight_in_the_combined_unit_gives_a_role_not_an_exception():
    role = neuron_roles(imported(W1=[[-8.94, 0.29, 12.89], [-0.17, -7.34, 0.0]]))[2]
    assert role.axis == "temperature"  # the only variable it reads
    assert role.region in ("unclear", "temperature_too_high")
    assert "°C" in role.description


def test_an_unclear_unit_never_uses_a_regions_words(lab):
    # A diagonal unit whose bad side is the cool, short corner: no region of the table.
    role = neuron_roles(imported(W1=[[-8.94, 0.29, -3.0], [-0.17, -7.34, -3.0]], b1=[-9.87, -9.28, -4.0]))[2]
    assert role.region == "unclear"
    assert role.description.startswith("no clear bad-roast region")
    for state in (RESPONSIBLE, CLEAR):
        text = reason(role, 160, 12, state, 3.0)
        assert not any(w in text for w in ("too low", "too short", "too hot", "too high", "too long"))


def test_a_threshold_outside_the_valid_range_is_never_stated():
    # Unit 0 reads temperature, but its duration weight moves its threshold to about -225 °C at
    # 120 min (by hand: 218.7 - 39.0 * (-1.0 * 106.6 / 1.16 - 9.87) / -8.94).
    role = neuron_roles(imported(W1=[[-8.94, 0.29, 12.89], [-1.0, -7.34, 10.79]]))[0]
    assert role.axis == "temperature"
    assert role.threshold(150, 120) < -200
    text = reason(role, 150, 120, CLEAR, 0.0)
    assert "threshold" not in text
    assert ("at 120.00 min this neuron is on its good side at every temperature "
            "from 0.0 °C to 500.0 °C") in text


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
    assert reason(role, 160, 13.5, RESPONSIBLE, 30.0).startswith("temperature too low")


@pytest.mark.parametrize("scale", [1.0, 0.03])
def test_a_small_positive_output_weight_is_still_bad_when_inactive(lab, scale):
    """The sign of the output weight alone decides the bad side: a unit whose output weight is
    +0.9 or +0.03 signals bad while inactive, like one of +30."""
    data = lab.to_dict()
    W1, b1, W2 = np.array(data["W1"]), np.array(data["b1"]), np.array(data["W2"])
    W1[:, 0], b1[0], W2[0, 0] = -W1[:, 0], -b1[0], 0.9 * scale
    net = Network.from_dict({**data, "W1": W1.tolist(), "b1": b1.tolist(), "W2": W2.tolist()})
    role = neuron_roles(net)[0]
    assert role.sign == -1.0
    # bad when inactive: below its threshold the unit is off, so "bad below" as the lab's unit 0
    assert role.axis == "temperature" and role.bad_above is False


def test_an_unclear_unit_is_named_by_its_steeper_input_or_diagonal():
    """An unclear unit's axis: the input whose normalised weight is at least 3× the other's,
    else diagonal (DESIGN's table), at the ratio itself too."""
    from model.roles import _axis_of

    assert [_axis_of(np.array(w)) for w in ([3.0, 1.0], [1.0, 3.0], [2.9, 1.0], [-1.0, -2.0])] == [
        "temperature", "duration", "diagonal", "diagonal"]

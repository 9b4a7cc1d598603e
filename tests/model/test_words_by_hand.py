"""The exact words of every reason and description, as full sentences written from the formula.

The thresholds come from the published weights and a normalisation recomputed here from the
lab's generator (DESIGN §1): nothing below asks the code under test for a number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.explain import Explainer
from model.network import Network

LAB = {"W1": [[-8.94, 0.29, 12.89], [-0.17, -7.34, 10.79]], "b1": [-9.87, -9.28, 1.01],
       "W2": [[-31.38], [-27.86], [-32.79]], "b2": [15.54]}
OFF_RANGE = " (extrapolated: outside the training range of {lo}–{hi} and 11.5–15.5 min)"


def lab_normalisation() -> tuple[np.ndarray, np.ndarray]:
    """The lab's data set as DESIGN §1 describes it; mean and population sd per column."""
    rng = np.random.default_rng(2)
    X = rng.random(400).reshape(-1, 2)
    X[:, 1] = X[:, 1] * 4 + 11.5
    X[:, 0] = X[:, 0] * (285 - 150) + 150
    return X.mean(axis=0), X.std(axis=0)


MEAN, STD = lab_normalisation()


def net_of(weights: dict) -> Network:
    return Network(**{k: np.array(v, float) for k, v in weights.items()}, mean=MEAN, std=STD)


def unit(weights: dict, j: int) -> tuple[float, float, float, float]:
    """Return unit j's (a_t, a_d, c, w2): pre-activation a_t t + a_d d + c in °C and minutes."""
    w_t, w_d = weights["W1"][0][j], weights["W1"][1][j]
    a_t, a_d = w_t / STD[0], w_d / STD[1]
    return a_t, a_d, weights["b1"][j] - a_t * MEAN[0] - a_d * MEAN[1], weights["W2"][j][0]


def t_threshold(weights, j, d):
    a_t, a_d, c, _ = unit(weights, j)
    return -(a_d * d + c) / a_t


def d_threshold(weights, j, t):
    a_t, a_d, c, _ = unit(weights, j)
    return -(a_t * t + c) / a_d


def push(weights, j, t, d):
    """|w2| sigmoid(z) for a unit that is bad when active, |w2| sigmoid(-z) when inactive."""
    a_t, a_d, c, w2 = unit(weights, j)
    z = a_t * t + a_d * d + c
    return abs(w2) / (1 + math.exp(z if w2 > 0 else -z))


def F(celsius: float) -> float:
    return celsius * 9 / 5 + 32


@pytest.fixture(scope="module")
def lab():
    return Explainer(net_of(LAB))


def reasons(explainer, t, d, unit="C"):
    """The three units' reasons for one reading, as its explanation gives them; the same reading
    in a large batch (whose sentences are written a unit at a time over arrays) must say the
    same, wherever it stands among readings of other kinds and units."""
    alone = [explainer.explain(t, d, unit=unit).verdicts.reason(0, j) for j in range(3)]
    rng = np.random.default_rng(11)
    others = rng.uniform([0, 0.5], [500, 120], (40, 2)).tolist() + [[160, 13.5], [175, 15.25], [237, 12.25]]
    T, D = np.array([*others, [t, d]]).T
    units = ["F" if k % 3 == 0 else "C" for k in range(len(others))] + [unit]
    batch = explainer.predict_many(T, D, units=units)
    for j in range(3):  # every reading of the batch, as the one-by-one path words it
        assert batch.reasons(j, np.arange(len(T))) == [batch.reason(i, j) for i in range(len(T))]
    assert [batch.reason(len(T) - 1, j) for j in range(3)] == alone
    return alone


def test_a_bad_temperature_in_celsius_and_the_good_sides_of_the_others(lab):
    th0, th1, lim2 = t_threshold(LAB, 0, 13.5), d_threshold(LAB, 1, 160), d_threshold(LAB, 2, 160)
    assert reasons(lab, 160, 13.5) == [
        f"temperature too low: 160.0 °C is {th0 - 160:.1f} °C under this neuron's threshold of "
        f"{th0:.1f} °C; it pulls the log-odds {push(LAB, 0, 160, 13.5):.2f} towards bad",
        f"duration long enough: 13.50 min is {13.5 - th1:.2f} min over this neuron's threshold of "
        f"{th1:.2f} min",
        f"time and temperature in balance: at 160.0 °C this neuron's duration limit is {lim2:.2f} min "
        f"and 13.50 min is {lim2 - 13.5:.2f} min under it",
    ]


def test_the_same_reading_in_fahrenheit_states_every_temperature_in_fahrenheit(lab):
    celsius = (320 - 32) * 5 / 9  # 160 °C
    th0, lim2 = t_threshold(LAB, 0, 13.5), d_threshold(LAB, 2, celsius)
    got = reasons(lab, celsius, 13.5, unit="F")
    assert got[0] == (f"temperature too low: 320.0 °F is {(th0 - 160) * 9 / 5:.1f} °F under this neuron's "
                      f"threshold of {F(th0):.1f} °F; it pulls the log-odds {push(LAB, 0, 160, 13.5):.2f} "
                      "towards bad")
    assert got[2] == (f"time and temperature in balance: at 320.0 °F this neuron's duration limit is "
                      f"{lim2:.2f} min and 13.50 min is {lim2 - 13.5:.2f} min under it")


def test_a_non_integral_fahrenheit_reading_converts_exactly(lab):
    celsius = (392.5 - 32) * 5 / 9  # 200.2777… °C
    th0 = t_threshold(LAB, 0, 13.9)
    text = reasons(lab, celsius, 13.9, unit="F")[0]
    assert text == (f"temperature high enough: 392.5 °F is {(celsius - th0) * 9 / 5:.1f} °F over this "
                    f"neuron's threshold of {F(th0):.1f} °F")


def test_a_short_duration_and_a_diagonal_are_named_in_minutes(lab):
    th1 = d_threshold(LAB, 1, 200)
    assert reasons(lab, 200, 11.8)[1] == (
        f"duration too short: 11.80 min is {th1 - 11.8:.2f} min under this neuron's threshold of "
        f"{th1:.2f} min; it pulls the log-odds {push(LAB, 1, 200, 11.8):.2f} towards bad")
    lim = d_threshold(LAB, 2, 250)
    assert reasons(lab, 250, 14.5)[2] == (
        f"too hot for too long: at 250.0 °C this neuron's duration limit is {lim:.2f} min and 14.50 min "
        f"is {14.5 - lim:.2f} min over it; it pulls the log-odds {push(LAB, 2, 250, 14.5):.2f} towards bad")


def test_near_units_on_a_good_roast_say_how_close(lab):
    th0 = t_threshold(LAB, 0, 13.0)
    assert reasons(lab, 179, 13.0)[0] == (
        f"temperature high enough, but close: 179.0 °C is {179 - th0:.1f} °C over this neuron's "
        f"threshold of {th0:.1f} °C")
    th1 = d_threshold(LAB, 1, 237)
    assert reasons(lab, 237, 12.25)[1] == (
        f"duration long enough, but close: 12.25 min is {12.25 - th1:.2f} min over this neuron's "
        f"threshold of {th1:.2f} min")


def test_a_unit_close_enough_to_pull_is_also_bad_but_only_just(lab):
    th0 = t_threshold(LAB, 0, 15.25)
    e = lab.explain(175, 15.25)
    assert not e.verdicts.good_roast[0] and e.verdicts.fired(0) == [2]
    assert e.verdicts.reason(0, 0) == (
        f"temperature high enough, but only just: 175.0 °C is {175 - th0:.1f} °C over this neuron's "
        f"threshold of {th0:.1f} °C; it is still close enough to pull the log-odds "
        f"{push(LAB, 0, 175, 15.25):.2f} towards bad")


def test_extrapolated_readings_say_so_in_the_clients_unit(lab):
    lim = d_threshold(LAB, 2, 200)
    suffix_c = OFF_RANGE.format(lo="150.0 °C", hi="285.0 °C")
    assert reasons(lab, 200, 17)[2] == (
        f"too hot for too long: at 200.0 °C this neuron's duration limit is {lim:.2f} min and 17.00 min "
        f"is {17 - lim:.2f} min over it; it pulls the log-odds {push(LAB, 2, 200, 17):.2f} towards bad"
        + suffix_c)
    assert reasons(lab, 200, 17, unit="F")[2].endswith(OFF_RANGE.format(lo="302.0 °F", hi="545.0 °F"))


# The output bias raised: one bad unit no longer spoils a roast, and two need only one to blame.
LENIENT = {**LAB, "b2": [40.0]}


def test_a_second_bad_unit_is_bad_as_well_and_a_lone_one_not_enough():
    e = Explainer(net_of(LENIENT))
    v = e.explain(140, 17).verdicts
    assert not v.good_roast[0] and v.fired(0) == [2]
    th0 = t_threshold(LENIENT, 0, 17)
    assert v.reason(0, 0) == (
        f"temperature too low as well: 140.0 °C is {th0 - 140:.1f} °C under this neuron's threshold of "
        f"{th0:.1f} °C; it pulls the log-odds {push(LENIENT, 0, 140, 17):.2f} towards bad"
        + OFF_RANGE.format(lo="150.0 °C", hi="285.0 °C"))
    v = e.explain(160, 13.5).verdicts
    assert v.good_roast[0]
    th0 = t_threshold(LENIENT, 0, 13.5)
    assert v.reason(0, 0) == (
        f"temperature too low, but not enough to spoil the roast: 160.0 °C is {th0 - 160:.1f} °C under "
        f"this neuron's threshold of {th0:.1f} °C")


def test_the_lab_units_are_described_in_full(lab):
    a_t, a_d, c, _ = unit(LAB, 2)
    assert [r.description for r in lab.roles] == [
        f"temperature too low: signals a bad roast below {t_threshold(LAB, 0, MEAN[1]):.1f} °C "
        f"(at the mean duration of {MEAN[1]:.2f} min)",
        f"duration too short: signals a bad roast below {d_threshold(LAB, 1, MEAN[0]):.2f} min "
        f"(at the mean temperature of {MEAN[0]:.1f} °C)",
        f"too hot for too long: signals a bad roast when the duration is above {-c / a_d:.2f} - "
        f"{a_t / a_d:.4f} × temperature in °C (for example {d_threshold(LAB, 2, 220):.2f} min at 220.0 °C)",
    ]


def mirror() -> dict:
    """Units with the other regions, written in °C and minutes: too hot (t > 260), too long
    (d > 15), and too cold told by a unit with a positive output weight (good when t > 175)."""
    k_t, k_d = 0.5, 5.0  # per °C, per minute
    W1 = [[k_t * STD[0], 0.0, k_t * STD[0]], [0.0, k_d * STD[1], 0.0]]
    b1 = [k_t * (MEAN[0] - 260), k_d * (MEAN[1] - 15), k_t * (MEAN[0] - 175)]
    return {"W1": W1, "b1": b1, "W2": [[-20.0], [-20.0], [20.0]], "b2": [-10.0]}


def test_the_other_regions_and_a_positive_output_weight_have_their_own_words():
    weights = mirror()
    e = Explainer(net_of(weights))
    assert [r.region for r in e.roles] == ["temperature_too_high", "duration_too_long", "temperature_too_low"]
    assert [r.description for r in e.roles] == [
        "temperature too high: signals a bad roast above 260.0 °C (at the mean duration of "
        f"{MEAN[1]:.2f} min)",
        "duration too long: signals a bad roast above 15.00 min (at the mean temperature of "
        f"{MEAN[0]:.1f} °C)",
        "temperature too low: signals a bad roast below 175.0 °C (at the mean duration of "
        f"{MEAN[1]:.2f} min)",
    ]
    v = e.explain(270, 13.5).verdicts
    assert not v.good_roast[0] and v.fired(0) == [0]
    assert [v.reason(0, j) for j in range(3)] == [
        "temperature too high: 270.0 °C is 10.0 °C over this neuron's threshold of 260.0 °C; it pulls "
        f"the log-odds {20 / (1 + math.exp(-5)):.2f} towards bad",
        "duration short enough: 13.50 min is 1.50 min under this neuron's threshold of 15.00 min",
        "temperature high enough: 270.0 °C is 95.0 °C over this neuron's threshold of 175.0 °C",
    ]
    v = e.explain(170, 15.5).verdicts  # two faults: both needed to fix it
    assert sorted(v.fired(0)) == [1, 2]
    assert v.reason(0, 2) == (
        "temperature too low: 170.0 °C is 5.0 °C under this neuron's threshold of 175.0 °C; it pulls "
        f"the log-odds {20 / (1 + math.exp(-2.5)):.2f} towards bad")
    assert v.reason(0, 1) == (
        "duration too long: 15.50 min is 0.50 min over this neuron's threshold of 15.00 min; it pulls "
        f"the log-odds {20 / (1 + math.exp(-2.5)):.2f} towards bad")


def test_a_unit_whose_threshold_lies_outside_the_valid_range_says_it_does_not_change():
    # unit 0 turns on at 600 °C (z = (t - 600) / 100): beyond the valid range, yet it pulls
    # 1.1-3.9 towards bad over the training range, so it is live, and covers no region
    weights = {"W1": [[STD[0] / 100, 0.29, 12.89], [0.0, -7.34, 10.79]],
               "b1": [(MEAN[0] - 600) / 100, -9.28, 1.01], "W2": [[-100.0], [-27.86], [-32.79]],
               "b2": [15.54]}
    e = Explainer(net_of(weights))
    role = e.roles[0]
    assert role.region == "unclear"
    assert role.description == (
        f"no clear bad-roast region (best agreement 0.00): at the mean duration of {MEAN[1]:.2f} min "
        "it does not change: on its good side at every temperature from 0.0 °C to 500.0 °C")
    assert e.explain(200, 13.5).verdicts.reason(0, 0).startswith(
        "on its good side (no clear region): at 13.50 min this neuron is on its good side at every "
        "temperature from 0.0 °C to 500.0 °C")
    assert e.explain(200, 13.5, unit="F").verdicts.reason(0, 0).startswith(
        "on its good side (no clear region): at 13.50 min this neuron is on its good side at every "
        "temperature from 32.0 °F to 932.0 °F")


def test_a_unit_on_its_bad_side_over_the_whole_valid_range_says_so():
    # z = (600 - t) / 100: active (bad) at every valid temperature; the bias keeps roasts good
    weights = {"W1": [[-STD[0] / 100, 0.29, 12.89], [0.0, -7.34, 10.79]],
               "b1": [(600 - MEAN[0]) / 100, -9.28, 1.01], "W2": [[-100.0], [-27.86], [-32.79]],
               "b2": [115.54]}
    e = Explainer(net_of(weights))
    assert e.roles[0].region == "unclear"
    assert e.roles[0].description.endswith(
        f"at the mean duration of {MEAN[1]:.2f} min it does not change: on its bad side at every "
        "temperature from 0.0 °C to 500.0 °C")
    assert ": at 13.50 min this neuron is on its bad side at every temperature from 0.0 °C to 500.0 °C" in \
        e.explain(200, 13.5).verdicts.reason(0, 0)


def test_constant_and_inactive_units_say_what_they_pull():
    # unit 1 always on (the zoo's "always-on"), then without weights at all (its "dead-unit")
    on = {"W1": [[-8.94, 0.0, 12.89], [-0.17, 0.3, 10.79]], "b1": [-9.87, 3.0, 1.01],
          "W2": [[-31.38], [-5.6], [-32.79]], "b2": [20.9]}
    e = Explainer(net_of(on))
    assert e.roles[1].region == "constant"
    pull = 5.6 / (1 + math.exp(-(0.3 * (13.5 - MEAN[1]) / STD[1] + 3.0)))
    assert e.explain(200, 13.5).verdicts.reason(0, 1) == (
        f"constant over the training range: here it pulls the log-odds {pull:.2f} towards bad")
    dead = {**LAB, "W1": [[-8.94, 0.0, 12.89], [-0.17, 0.0, 10.79]], "W2": [[-31.38], [0.0], [-32.79]]}
    e = Explainer(net_of(dead))
    assert e.roles[1].region == "inactive"
    assert e.explain(200, 17).verdicts.reason(0, 1) == (
        "inactive over the training range: here it pulls the log-odds 0.00 towards bad"
        + OFF_RANGE.format(lo="150.0 °C", hi="285.0 °C"))


def test_constant_and_inactive_units_are_described_in_full():
    on = {"W1": [[-8.94, 0.0, 12.89], [-0.17, 0.3, 10.79]], "b1": [-9.87, 3.0, 1.01],
          "W2": [[-31.38], [-5.6], [-32.79]], "b2": [20.9]}
    z = [0.3 * (d - MEAN[1]) / STD[1] + 3.0 for d in (11.5, 15.5)]  # the training range's ends
    a = [1 / (1 + math.exp(-zi)) for zi in z]
    assert Explainer(net_of(on)).roles[1].description == (
        f"constant: always on over the training range (activation {a[0]:.2f}–{a[1]:.2f}), it pulls every "
        f"roast's log-odds {5.6 * a[0]:.2f}–{5.6 * a[1]:.2f} towards bad, whatever the reading")
    dead = {**LAB, "W1": [[-8.94, 0.0, 12.89], [-0.17, 0.0, 10.79]], "W2": [[-31.38], [0.0], [-32.79]]}
    assert Explainer(net_of(dead)).roles[1].description == (
        "inactive: it moves the log-odds by less than 1 everywhere in the training range, so it does "
        "not sway the verdict there")


def test_a_diagonal_unit_whose_line_misses_the_valid_range_at_220_c_says_which_side_it_is_on():
    # duration = 140 - 0.03 × temperature: at 220 °C the line lies at 133.4 min, past 120, so the
    # example names the side every valid duration is on; a large output weight keeps it live
    k = 0.025
    weights = {"W1": [[-8.94, 0.29, 0.03 * k * STD[0]], [-0.17, -7.34, k * STD[1]]],
               "b1": [-9.87, -9.28, 0.03 * k * MEAN[0] + k * MEAN[1] - 140 * k],
               "W2": [[-31.38], [-27.86], [-250.0]], "b2": [15.54]}
    a_t, a_d, c, _ = unit(weights, 2)
    assert -(a_t * 220 + c) / a_d > 120  # the line at 220 °C, by hand: outside the valid range
    role = Explainer(net_of(weights)).roles[2]
    assert role.description == (
        f"no clear bad-roast region (best agreement 0.00): signals a bad roast when the duration is "
        f"above {-c / a_d:.2f} - {a_t / a_d:.4f} × temperature in °C (at 220.0 °C it is on its good "
        "side for every duration from 0 to 120 min)")

import decimal
import math
import re
import sys

import numpy as np
import pytest

from model.data import load_coffee_data
from model.network import Network, lab_network, sigmoid, sigmoid_at
from model.steering import sigmoid as search_sigmoid


def test_lab_weights_give_the_published_outputs(lab):
    p = lab.predict_proba(np.array([[200, 13.9], [200, 17]]))
    np.testing.assert_allclose(p, [9.63e-01, 3.03e-08], rtol=5e-3)


def test_lab_weights_classify_every_sample(lab):
    X, Y = load_coffee_data()
    assert ((lab.predict_proba(X) >= 0.5) == (Y[:, 0] == 1)).all()


def test_forward_agrees_with_the_unfolded_formula(lab):
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.uniform(100, 350, 500), rng.uniform(8, 20, 500)])
    Xn = (X - lab.mean) / lab.std
    A1 = 1 / (1 + np.exp(-(Xn @ lab.W1 + lab.b1)))
    p = 1 / (1 + np.exp(-(A1 @ lab.W2 + lab.b2)))[:, 0]
    _, A1_got, _, p_got = lab.outputs(X[:, 0], X[:, 1])
    np.testing.assert_allclose(A1_got, A1, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(p_got, p, rtol=1e-9, atol=1e-15)
    scalar = [lab.outputs_at(t, d)[3] for t, d in X]
    np.testing.assert_allclose(scalar, p, rtol=1e-9, atol=1e-15)


def test_sigmoid_is_finite_at_the_extremes():
    z = np.array([-1e308, -800.0, -40.0, 0.0, 40.0, 800.0, 1e308])
    s = sigmoid(z)
    assert np.isfinite(s).all()
    np.testing.assert_allclose(s[[0, 1, 3, 5, 6]], [0, 0, 0.5, 1, 1])


def test_round_trip_through_a_plain_dict(lab):
    copy = Network.from_dict(lab.to_dict())
    for name in ("W1", "b1", "W2", "b2", "mean", "std"):
        np.testing.assert_array_equal(getattr(copy, name), getattr(lab, name))
    assert copy.fingerprint() == lab.fingerprint()
    assert lab_network().fingerprint() == lab.fingerprint()


def _lab_dict(**changes):
    data = lab_network().to_dict()
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_lab_dict(W1=[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), "W1 must have shape (2, H), got (3, 2)"),
        (_lab_dict(b1=[0.0, 0.0]), "b1 must have shape (3,) for H=3, got (2,)"),
        (_lab_dict(W2=[1.0, 2.0, 3.0]), "W2 must have shape (3, 1) for H=3, got (3,)"),
        (_lab_dict(b2=[]), "b2 must have shape (1,) for H=3, got (0,)"),
        (_lab_dict(b1=[0.0, float("nan"), 0.0]), "b1 must hold finite numbers only (no NaN or inf)"),
        (_lab_dict(W2=[[1.0], [float("inf")], [0.0]]), "W2 must hold finite numbers only (no NaN or inf)"),
        (_lab_dict(W1=[[1.0] * 9, [1.0] * 9], b1=[0.0] * 9, W2=[[1.0]] * 9),
         "hidden units must be 1…8, got 9"),
        (_lab_dict(W1="weights"), "W1 must be a list of numbers"),
        (_lab_dict(W1=[[1, "a", 2], [1, 2, 3]]), "W1 must be a (nested) list of numbers"),
        (_lab_dict(normalization={"mean": [0, 0], "std": [1, 0]}), "normalization.std must be positive"),
        (_lab_dict(normalization={"mean": [0, 0], "std": "wide"}),
         "normalization.std must be a list of numbers"),
        (_lab_dict(normalization={"mean": [0, 0]}), "normalization must be an object with mean and std"),
        ({"W1": [[1], [1]]}, "weights are missing b1, W2, b2, normalization"),
        (_lab_dict(normalization={"mean": [0, 0], "std": [1e-308, 1]}),
         "weights and normalization overflow when combined; use smaller values"),
        # 500 × 1e306 overflows to inf, and inf - inf at (500 °C, 120 min) is NaN
        ({"W1": [[1e306, 1.0], [-1e307, 1.0]], "b1": [0, 0], "W2": [[-5], [-3]], "b2": [1],
          "normalization": {"mean": [0, 0], "std": [1, 1]}},
         "weights and normalization overflow over the valid range (0–500 °C, 0–120 min); use smaller values"),
        (_lab_dict(W2=[[1e308], [1e308], [-1.0]]),
         "weights and normalization overflow over the valid range (0–500 °C, 0–120 min); use smaller values"),
    ],
)
def test_bad_parameters_are_refused_in_words_a_client_can_act_on(data, message):
    """The whole message: a client that imports weights reads it as the 422's detail."""
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Network.from_dict(data)


def test_a_network_shows_its_size_and_output_weights_to_two_places(lab):
    assert repr(lab) == "Network(hidden_units=3, W2=[-31.38, -27.86, -32.79])"


def test_parameters_are_read_only(lab):
    with pytest.raises(ValueError):
        lab.W1[0, 0] = 1.0


def test_chunked_probabilities_equal_the_forward_pass(lab):
    X = np.random.default_rng(2).uniform([100, 9], [350, 18], (1000, 2))
    np.testing.assert_array_equal(lab.predict_proba(X, chunk=7), lab.outputs(X[:, 0], X[:, 1]).p)
    assert lab.predict_proba(np.empty((0, 2))).shape == (0,)


def test_one_reading_far_outside_the_range_is_finite(lab):
    # exp() of the pre-activations overflows here; the answer must not.
    for t, d in [(-1e6, 13.0), (1e6, 13.0), (200.0, -1e5), (200.0, 1e5)]:
        p = lab.outputs_at(t, d)[3]
        assert 0.0 <= p <= 1.0
        np.testing.assert_allclose(p, lab.predict_proba(np.array([[t, d]]))[0], atol=1e-12)


def test_sigmoid_of_one_float_has_the_bits_of_the_array_sigmoid():
    rng = np.random.default_rng(4)
    z = np.concatenate([rng.normal(0, 30, 20_000), rng.uniform(-800, 800, 20_000),
                        [-1e308, -1e6, -746.0, -745.2, -709.79, -709.78, -709.0, -708.9, -40.0, -0.0,
                         0.0, 5e-324, 40.0, 709.78, 746.0, 1e6, 1e308]])
    assert [sigmoid_at(v) for v in z.tolist()] == sigmoid(z).tolist()


def test_the_search_sigmoid_is_within_two_ulp_of_the_logistic_to_fifty_digits():
    rng = np.random.default_rng(9)
    z = np.concatenate([rng.normal(0, 30, 2_000), rng.uniform(-800, 800, 2_000),
                        [-800.0, -746.0, -709.79, -709.0, -708.9, -40.0, -1e-300, -0.0, 0.0, 5e-324,
                         40.0, 709.78, 746.0, 800.0]])
    with decimal.localcontext(prec=50):
        for v in z.tolist():
            exact = 1 / (1 + (-decimal.Decimal(v)).exp())
            # below the smallest normal float, 1 / (1 + exp(-z)) itself underflows, in numpy too
            tiny = exact < decimal.Decimal(sys.float_info.min)
            tolerance = decimal.Decimal(sys.float_info.min if tiny else 2 * math.ulp(float(exact)))
            assert abs(decimal.Decimal(search_sigmoid(v)) - exact) <= tolerance, v
    # far past the range of exp: the limits, never an OverflowError
    assert [search_sigmoid(v) for v in (-1e308, -1e6, 1e6, 1e308)] == [0.0, 0.0, 1.0, 1.0]


def _extreme_networks():
    lab = lab_network()
    yield lab
    yield Network.from_dict({**lab.to_dict(), "b2": [1e6]})  # logits about +1e6
    yield Network.from_dict({**lab.to_dict(), "b2": [-1e6]})  # about -1e6
    yield Network.from_dict({**lab.to_dict(), "W2": [[-1e6], [2e6], [-3e6]]})  # ±1e6 either way
    yield Network.from_dict({**lab.to_dict(), "W1": [[-900.0, 30.0, 1290.0], [-17.0, -734.0, 1079.0]]})


@pytest.mark.parametrize("net", list(_extreme_networks()), ids=lambda net: repr(net))
def test_one_reading_gets_the_bits_it_gets_in_a_batch(net):
    # one formula, two shapes: plain floats for one reading, arrays for many, the same bits
    rng = np.random.default_rng(6)
    T = np.concatenate([rng.uniform(150, 285, 300), rng.uniform(0, 500, 300), [-1e6, 1e6, 0.0, 200.0]])
    D = np.concatenate([rng.uniform(11.5, 15.5, 300), rng.uniform(0, 120, 300), [13.0, 13.0, -1e5, 1e5]])
    z1, hidden, z2, p = net.outputs(T, D)
    for i, (t, d) in enumerate(zip(T.tolist(), D.tolist(), strict=True)):
        one = net.outputs_at(t, d)
        assert one == (z1[i].tolist(), hidden[i].tolist(), float(z2[i]), float(p[i])), (t, d)
        assert net.logit_at(t, d) == one[2]
    with np.errstate(over="ignore"):
        assert (np.abs(z1) > 709).any() and (np.exp(-z1) == np.inf).any()  # exp overflowed


def test_the_extreme_networks_reach_logits_of_a_million_either_way():
    z2 = np.concatenate([net.outputs([200.0, 160.0], [13.9, 13.5]).z2 for net in _extreme_networks()])
    assert z2.max() >= 9e5 and z2.min() <= -9e5

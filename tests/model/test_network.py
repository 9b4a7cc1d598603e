import numpy as np
import pytest

from model.data import load_coffee_data
from model.network import Network, lab_network, sigmoid


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
    A1_got, p_got = lab.forward(X)
    np.testing.assert_allclose(A1_got, A1, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(p_got, p, rtol=1e-9, atol=1e-15)
    scalar = [lab.proba_at(t, d) for t, d in X]
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
        (_lab_dict(W1=[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), "W1 must have shape"),
        (_lab_dict(b1=[0.0, 0.0]), "b1 must have shape"),
        (_lab_dict(W2=[1.0, 2.0, 3.0]), "W2 must have shape"),
        (_lab_dict(b2=[]), "b2 must have shape"),
        (_lab_dict(b1=[0.0, float("nan"), 0.0]), "finite"),
        (_lab_dict(W2=[[1.0], [float("inf")], [0.0]]), "finite"),
        (_lab_dict(W1=[[1.0] * 9, [1.0] * 9], b1=[0.0] * 9, W2=[[1.0]] * 9), "hidden units"),
        (_lab_dict(W1="weights"), "list of numbers"),
        (_lab_dict(W1=[[1, "a", 2], [1, 2, 3]]), "numbers"),
        (_lab_dict(normalization={"mean": [0, 0], "std": [1, 0]}), "positive"),
        (_lab_dict(normalization={"mean": [0, 0]}), "normalization"),
        ({"W1": [[1], [1]]}, "missing"),
        (_lab_dict(normalization={"mean": [0, 0], "std": [1e-308, 1]}), "overflow"),
    ],
)
def test_bad_parameters_are_refused(data, message):
    with pytest.raises(ValueError, match=message):
        Network.from_dict(data)


def test_parameters_are_read_only(lab):
    with pytest.raises(ValueError):
        lab.W1[0, 0] = 1.0


def test_chunked_probabilities_equal_the_forward_pass(lab):
    X = np.random.default_rng(2).uniform([100, 9], [350, 18], (1000, 2))
    np.testing.assert_allclose(lab.predict_proba(X, chunk=7), lab.forward(X)[1], rtol=1e-12)
    assert lab.predict_proba(np.empty((0, 2))).shape == (0,)


def test_one_reading_far_outside_the_range_is_finite(lab):
    # exp() of the pre-activations overflows here; the answer must not.
    for t, d in [(-1e6, 13.0), (1e6, 13.0), (200.0, -1e5), (200.0, 1e5)]:
        p = lab.proba_at(t, d)
        assert 0.0 <= p <= 1.0
        np.testing.assert_allclose(p, lab.predict_proba(np.array([[t, d]]))[0], atol=1e-12)

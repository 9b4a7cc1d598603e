import numpy as np
import pytest

from model.data import (
    REGION_BY_KEY,
    REGIONS,
    good_roast,
    in_domain,
    load_coffee_data,
    normalization,
)


def test_generator_matches_the_published_figures():
    X, Y = load_coffee_data()
    assert X.shape == (200, 2) and Y.shape == (200, 1)
    np.testing.assert_allclose(X[:, 0].max(), 284.99, atol=0.005)
    np.testing.assert_allclose(X[:, 0].min(), 151.32, atol=0.005)
    np.testing.assert_allclose(X[:, 1].max(), 15.45, atol=0.005)
    np.testing.assert_allclose(X[:, 1].min(), 11.51, atol=0.005)
    assert int(Y.sum()) == 43


def test_normalisation_matches_the_published_figures():
    X, _ = load_coffee_data()
    mean, std = normalization(X)
    Xn = (X - mean) / std
    np.testing.assert_allclose(Xn.max(axis=0), [1.66, 1.79], atol=0.005)
    np.testing.assert_allclose(Xn.min(axis=0), [-1.69, -1.70], atol=0.005)
    np.testing.assert_allclose(std, X.std(axis=0, ddof=0))


@pytest.mark.parametrize(
    ("t", "d", "good"),
    [
        (200, 13.9, 1), (200, 17, 0), (175, 13, 0), (175.01, 13, 1), (250, 12.1, 1), (259.9, 11.9, 0),
        (260, 12.5, 0), (220, 12, 0), (220, 12.01, 1), (220, 13.3, 0), (220, 13.2, 1),
        (240, 15, 0),
    ],
)
def test_ground_truth_rule(t, d, good):
    assert good_roast(t, d) == good


def test_the_good_region_is_what_the_bad_regions_leave():
    rng = np.random.default_rng(0)
    t = rng.uniform(140, 300, 20_000)
    d = rng.uniform(11, 16, 20_000)
    bad = np.zeros(t.size, bool)
    for region in REGIONS:
        bad |= region.contains(t, d)
    np.testing.assert_array_equal(~bad, good_roast(t, d) == 1)


def test_other_seeds_and_sizes():
    X, Y = load_coffee_data(seed=7, samples=1000)
    assert X.shape == (1000, 2)
    assert X[:, 0].min() >= 150 and X[:, 0].max() <= 285
    assert X[:, 1].min() >= 11.5 and X[:, 1].max() <= 15.5
    np.testing.assert_array_equal(Y[:, 0], good_roast(X[:, 0], X[:, 1]))
    assert not np.array_equal(X[:200], load_coffee_data()[0])


@pytest.mark.parametrize("samples", [9, 100_001])
def test_sizes_out_of_range_are_refused(samples):
    with pytest.raises(ValueError, match="samples"):
        load_coffee_data(samples=samples)


def test_domain():
    assert in_domain(150, 11.5) and in_domain(285, 15.5)
    assert not in_domain(320, 13) and not in_domain(200, 11)
    assert REGION_BY_KEY["too_hot_for_too_long"].words == "too hot for too long"

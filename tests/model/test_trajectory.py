"""Perturbed symmetric starts, training snapshots and the trajectories read from them."""

import numpy as np
import pytest

from model.data import load_coffee_data, normalization
from model.roles import neuron_roles
from model.snapshots import Snapshots, snapshot_steps
from model.train import Recipe, symmetric, train, train_seeds
from model.trajectory import SEPARATION_FACTOR, trace


@pytest.fixture(scope="module")
def perturbed():
    """ε = 1e-3 over five seeds, with their trajectories."""
    results = train_seeds(Recipe(init="symmetric", perturbation=1e-3), list(range(5)))
    return [(r, trace(r.snapshots)) for r in results]


def test_the_default_recipe_keeps_its_published_id():
    # The README's examples name the default model 694c8792dfafb520 (recipes before ε existed).
    assert Recipe().id == "694c8792dfafb520"
    assert Recipe(init="symmetric", perturbation=0).id == Recipe(init="symmetric").id
    assert Recipe(init="symmetric", perturbation=1e-3).id != Recipe(init="symmetric").id
    assert Recipe(init="symmetric", perturbation=1).id == Recipe(init="symmetric", perturbation=1.0).id


@pytest.mark.parametrize("kwargs, words", [
    ({"init": "symmetric", "perturbation": -1e-9}, "perturbation must be in 0…1"),
    ({"init": "symmetric", "perturbation": 1.5}, "perturbation must be in 0…1"),
    ({"init": "symmetric", "perturbation": float("nan")}, "perturbation must be in 0…1"),
    ({"init": "glorot", "perturbation": 0.1}, "init symmetric only"),
])
def test_bad_perturbations_are_refused(kwargs, words):
    with pytest.raises(ValueError, match=words):
        Recipe(**kwargs)


def test_a_perturbation_adds_standard_normal_noise_to_each_unit():
    H, eps, noise = 8, 1e-3, []
    for seed in range(50):
        base = symmetric(np.random.default_rng(seed), H)
        moved = symmetric(np.random.default_rng(seed), H, eps)
        for b, m in zip(base[:3], moved[:3], strict=True):  # W1, b1, W2: each unit's own
            noise.append(((m - b) / eps).ravel())
        assert (moved[3] == base[3]).all()  # the shared output bias is not a unit's
        assert (base[0] == base[0][:, :1]).all()  # ε = 0 is the identical start it always was
    noise = np.concatenate(noise)  # 50 × 32 draws
    assert abs(noise.mean()) < 0.1 and 0.9 < noise.std() < 1.1


@pytest.mark.parametrize("steps", [1, 10, 59, 60, 3000, 20_000])
def test_snapshot_steps_are_log_spaced_from_0_to_the_last(steps):
    kept = snapshot_steps(steps)
    assert kept[0] == 0 and kept[-1] == steps
    assert all(b > a for a, b in zip(kept, kept[1:], strict=False))
    assert len(kept) == min(steps + 1, 60) or 60 <= len(kept) <= 62
    if steps >= 100:
        assert kept[:5] == [0, 1, 2, 3, 4]
        ratios = np.diff(np.log(kept[10:]))
        assert ratios.max() < 2 * np.median(ratios)  # evenly spread on a log scale


def test_identical_units_stay_exactly_identical():
    result = train(Recipe(init="symmetric"))
    t = trace(result.snapshots)
    assert t.distance.shape == (len(t.steps), 3)
    assert (t.distance == 0).all()
    assert all(len(set(regions)) == 1 for regions in t.regions)
    assert (t.gradient_norm == t.gradient_norm[:, :1]).all()
    assert t.separation_step is None


def test_a_small_difference_grows_a_thousandfold(perturbed):
    grown = [t.closest[-1] / t.closest[0] for _, t in perturbed]
    assert sum(g >= SEPARATION_FACTOR for g in grown) >= 4, grown
    for _, t in perturbed:
        if t.separation_step is not None:
            k = list(t.steps).index(t.separation_step)
            assert t.closest[k] >= SEPARATION_FACTOR * t.closest[0] > t.closest[k - 1]


def test_the_last_snapshot_is_the_stored_network_bit_for_bit(perturbed):
    for result, t in perturbed:
        net, H = result.network, 3
        last = t.snapshots.params[-1].astype(np.float64)
        assert t.steps[-1] == result.recipe.steps and t.steps[0] == 0
        assert (np.diff(t.steps) > 0).all()
        np.testing.assert_array_equal(last[:H], net.W1[0])
        np.testing.assert_array_equal(last[H:2 * H], net.W1[1])
        np.testing.assert_array_equal(last[2 * H:3 * H], net.b1)
        np.testing.assert_array_equal(last[3 * H:4 * H], net.W2[:, 0])
        np.testing.assert_array_equal(last[4 * H:], net.b2)
        assert t.regions[-1] == [role.region for role in neuron_roles(net)]


def test_the_first_snapshot_is_the_perturbed_start(perturbed):
    for result, t in perturbed:
        W1, b1, W2, b2 = symmetric(np.random.default_rng(result.recipe.seed), 3, 1e-3)
        start = np.concatenate([W1[0], W1[1], b1, W2[:, 0], b2]).astype(np.float32)
        np.testing.assert_array_equal(t.snapshots.params[0], start)


def _loss(unit_params, j, params, x_t, x_d, y):
    """Mean binary cross-entropy in float64, unit j's (w_t, w_d, b1, w2) replaced."""
    H = 3
    w_t, w_d, b1, w2 = (params[k * H:(k + 1) * H].copy() for k in range(4))
    w_t[j], w_d[j], b1[j], w2[j] = unit_params
    a = 1 / (1 + np.exp(-(np.outer(x_t, w_t) + np.outer(x_d, w_d) + b1)))
    p = 1 / (1 + np.exp(-(a @ w2 + params[-1])))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def test_gradient_norms_match_finite_differences(perturbed):
    X, Y = load_coffee_data()
    mean, std = normalization(X)
    x_t, x_d = ((X - mean) / std).T
    y = Y[:, 0]
    _, t = perturbed[1]
    for k in (0, 20, 40):
        params = t.snapshots.params[k].astype(np.float64)
        for j in range(3):
            u = params[[j, 3 + j, 6 + j, 9 + j]]
            g = np.empty(4)
            for i in range(4):
                e = np.zeros(4)
                e[i] = 1e-6
                g[i] = (_loss(u + e, j, params, x_t, x_d, y) - _loss(u - e, j, params, x_t, x_d, y)) / 2e-6
            assert t.gradient_norm[k, j] == pytest.approx(np.linalg.norm(g), rel=1e-3, abs=1e-6)
        assert t.loss[k] == pytest.approx(_loss(params[[0, 3, 6, 9]], 0, params, x_t, x_d, y), rel=1e-5)


def test_pairwise_distances_are_euclidean_in_weight_space(perturbed):
    _, t = perturbed[2]
    units = t.snapshots.params.astype(np.float64)[:, :12].reshape(-1, 4, 3)
    for n, (i, j) in enumerate(t.pairs):
        by_hand = np.sqrt(((units[:, :, i] - units[:, :, j]) ** 2).sum(axis=1))
        np.testing.assert_allclose(t.distance[:, n], by_hand, rtol=1e-12)


def test_regions_settle_at_the_last_change(perturbed):
    for _, t in perturbed:
        k = list(t.steps).index(t.regions_settled_step)
        assert all(r == t.regions[-1] for r in t.regions[k:])
        assert k == 0 or t.regions[k - 1] != t.regions[k]


def test_snapshots_survive_their_stored_form(perturbed):
    s = perturbed[0][1].snapshots
    back = Snapshots.from_dict(s.to_dict())
    assert (back.steps == s.steps).all() and (back.params == s.params).all()
    assert len(str(s.to_dict())) < 5_000  # a few KB per model


def test_training_without_snapshots_gives_the_same_weights():
    recipe = Recipe(steps=200)
    kept, bare = train_seeds(recipe, [3])[0], train_seeds(recipe, [3], snapshots=False)[0]
    assert bare.snapshots is None
    np.testing.assert_array_equal(kept.network.W1, bare.network.W1)

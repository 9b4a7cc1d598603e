import numpy as np
import pytest

from model.compare import metrics, symmetry_report
from model.data import PRIMARY_REGIONS, load_coffee_data, normalization
from model.roles import neuron_roles
from model.train import DTYPE, Adam, Recipe, SeedBatch, glorot, symmetric, train, train_seeds


def _reference_loss(theta, x_t, x_d, y, S, H):
    """Mean BCE per seed, written plainly in float64."""
    SH = S * H
    w_t, w_d, b1, w2 = theta[: 4 * SH].reshape(4, SH)
    b2 = theta[4 * SH :]
    z1 = np.outer(w_t, x_t) + np.outer(w_d, x_d) + b1[:, None]
    a1 = 1 / (1 + np.exp(-z1))
    z2 = (a1 * w2[:, None]).reshape(S, H, -1).sum(axis=1) + b2[:, None]
    p = 1 / (1 + np.exp(-z2))
    return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(axis=1).sum()


def test_gradients_match_finite_differences():
    X, Y = load_coffee_data(samples=50)
    mean, std = normalization(X)
    x_t, x_d = ((X - mean) / std).T
    y = Y[:, 0]
    S, H = 2, 3
    theta = np.random.default_rng(0).normal(0, 1, 4 * S * H + S)
    batch = SeedBatch(x_t.astype(DTYPE), x_d.astype(DTYPE), y.astype(DTYPE), S, H)
    grad = np.empty(theta.size, dtype=DTYPE)
    batch.backward(theta.astype(DTYPE), batch.forward(theta.astype(DTYPE)), grad)
    numeric = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = 1e-6
        numeric[i] = (_reference_loss(theta + e, x_t, x_d, y, S, H)
                      - _reference_loss(theta - e, x_t, x_d, y, S, H)) / 2e-6
    np.testing.assert_allclose(grad, numeric, rtol=1e-3, atol=1e-5)


def test_glorot_draws_within_the_keras_limits():
    W1, b1, W2, b2 = glorot(np.random.default_rng(5), 3)
    assert W1.shape == (2, 3) and W2.shape == (3, 1)
    assert np.abs(W1).max() <= np.sqrt(6 / 5) and np.abs(W2).max() <= np.sqrt(6 / 4)
    assert not b1.any() and not b2.any()
    assert len(np.unique(W1)) == 6


def test_symmetric_init_copies_one_unit():
    W1, _, W2, _ = symmetric(np.random.default_rng(5), 4)
    assert (W1[:, :1] == W1).all() and (W2[0] == W2).all()


def test_adam_first_step_moves_each_parameter_by_the_learning_rate():
    theta = np.zeros(3, dtype=DTYPE)
    g = np.array([2.0, -0.5, 1e-3])
    Adam(3, 0.01).step(theta, g.astype(DTYPE))
    # lr * sqrt(1 - b2) / (1 - b1) * m / (sqrt(v) + eps), with m = (1 - b1) g, v = (1 - b2) g²:
    # about lr * sign(g) until |g| nears eps / sqrt(1 - b2).
    expected = -0.01 * np.sqrt(0.001) * g / (np.sqrt(0.001) * np.abs(g) + 1e-7)
    np.testing.assert_allclose(theta, expected, rtol=1e-5)
    assert abs(theta[2]) < 0.01


def test_default_recipe_learns_the_ground_truth(default_result):
    m = metrics(default_result.network)
    assert m.train_accuracy == 1.0
    assert m.grid_accuracy >= 0.99
    regions = sorted(r.region for r in neuron_roles(default_result.network))
    assert regions == sorted(PRIMARY_REGIONS)
    curve = default_result.loss_curve
    assert curve[0][0] == 0 and curve[-1][0] == Recipe().steps
    assert curve[-1][1] < 0.05 < curve[0][1]
    assert default_result.final_loss == curve[-1][1]


def test_same_recipe_gives_identical_weights(default_result):
    again = train(Recipe())
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_array_equal(getattr(again.network, name), getattr(default_result.network, name))
    assert again.recipe.id == default_result.recipe.id


def test_a_seed_trains_the_same_alone_or_in_a_batch():
    recipe = Recipe(steps=500)
    alone = train(recipe.with_seed(3)).network
    among = train_seeds(recipe, list(range(8)))[3].network
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_array_equal(getattr(alone, name), getattr(among, name))


@pytest.mark.parametrize(("samples", "hidden_units", "batch"),
                         [(200, 3, 64), (1_000, 1, 17), (5_000, 3, 40), (20_000, 7, 5)])
def test_a_seed_trains_the_same_beside_any_number_of_seeds(samples, hidden_units, batch):
    """Bit for bit, at sample counts and batch sizes where a BLAS reduction would split its
    sums differently for one row and for many."""
    recipe = Recipe(samples=samples, hidden_units=hidden_units, steps=20)
    alone = train(recipe.with_seed(batch - 1)).network
    among = train_seeds(recipe, list(range(batch)))[-1].network
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_array_equal(getattr(alone, name), getattr(among, name))


def test_different_seeds_give_different_weights():
    a, b = train_seeds(Recipe(steps=50), [1, 2])
    assert not np.array_equal(a.network.W1, b.network.W1)
    assert a.recipe.id != b.recipe.id


def test_symmetric_init_stays_symmetric_and_learns_less(default_result):
    result = train(Recipe(init="symmetric"))
    net = result.network
    assert np.abs(net.W1 - net.W1[:, :1]).max() < 1e-9
    assert np.abs(net.b1 - net.b1[0]).max() < 1e-9
    assert np.abs(net.W2 - net.W2[0]).max() < 1e-9
    assert symmetry_report(net).duplicate_groups == [[0, 1, 2]]
    ours = metrics(net)
    glorot_metrics = metrics(default_result.network)
    assert ours.grid_accuracy < glorot_metrics.grid_accuracy - 0.05
    assert ours.train_accuracy < 1.0


def test_random_init_leaves_no_duplicates(default_result):
    report = symmetry_report(default_result.network)
    assert report.duplicate_groups == [] and report.distinct_units == 3
    assert [p.units for p in report.pairs] == [(0, 1), (0, 2), (1, 2)]
    assert all(pair.max_activation_difference > 0.5 for pair in report.pairs)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hidden_units": 0}, "hidden_units"), ({"hidden_units": 9}, "hidden_units"),
        ({"steps": 0}, "steps"), ({"steps": 20_001}, "steps"),
        ({"learning_rate": 0.0}, "learning_rate"), ({"learning_rate": 1.5}, "learning_rate"),
        ({"init": "zeros"}, "init"), ({"samples": 5}, "samples"), ({"seed": -1}, "seed"),
        ({"seed": 2**32}, "seed"),
    ],
)
def test_recipe_limits(change, message):
    with pytest.raises(ValueError, match=message):
        Recipe(**change)


@pytest.mark.parametrize("edge", [
    {"samples": 10}, {"samples": 100_000}, {"steps": 1}, {"steps": 20_000}, {"hidden_units": 1},
    {"hidden_units": 8}, {"seed": 0}, {"seed": 2**32 - 1}, {"data_seed": 2**32 - 1},
    {"learning_rate": 1.0}, {"init": "symmetric", "perturbation": 1.0},
])
def test_recipe_limits_admit_the_limit_itself(edge):
    """Every documented bound is inclusive: 10…100,000 samples, 1…20,000 steps, 1…8 units."""
    recipe = Recipe(**edge)
    assert {name: getattr(recipe, name) for name in edge} == edge


def test_a_perturbation_adds_epsilon_times_the_next_standard_normals_to_each_unit():
    """ε = 0 draws one unit and copies it; ε > 0 then adds ε × N(0, 1), drawn in order W1, b1, W2."""
    W1, b1, W2, b2 = symmetric(np.random.default_rng(9), 3, 0.25)
    rng = np.random.default_rng(9)
    one_W1, _, one_W2, _ = glorot(rng, 1)
    np.testing.assert_array_equal(W1, np.tile(one_W1, (1, 3)) + 0.25 * rng.standard_normal((2, 3)))
    np.testing.assert_array_equal(b1, 0.25 * rng.standard_normal(3))
    np.testing.assert_array_equal(W2, np.tile(one_W2, (3, 1)) + 0.25 * rng.standard_normal((3, 1)))
    assert b2.tolist() == [0.0]


def test_the_loss_curve_has_a_point_every_hundredth_of_the_steps_and_the_last(default_result):
    steps = Recipe().steps
    assert [step for step, _ in default_result.loss_curve] == list(range(0, steps + 1, steps // 100))
    odd = train(Recipe(steps=250)).loss_curve
    assert [step for step, _ in odd] == [*range(0, 250, 2), 250]


def test_recipe_id_depends_on_content_only():
    assert Recipe(seed=7).id == Recipe(seed=7).id
    assert Recipe(seed=7).id != Recipe(seed=7, steps=10).id
    assert len(Recipe().id) == 16

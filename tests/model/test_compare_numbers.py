"""The numbers of model/compare.py against third-party formulas: scikit-learn's log loss, scipy's
cosine distance and numpy's correlation, on the lab's published network and on trained ones."""

import numpy as np
import pytest
from scipy.spatial.distance import cosine
from sklearn.metrics import log_loss

from model.compare import metrics, symmetry_report
from model.data import domain_grid, good_roast, load_coffee_data
from model.network import lab_network
from model.train import Recipe, train
from tests import reference


@pytest.mark.parametrize("data_seed, samples", [(2, 200), (7, 150)])
def test_metrics_are_log_loss_and_accuracies_of_the_lab_forward_pass(data_seed, samples):
    lab = lab_network()
    X, Y = load_coffee_data(data_seed, samples)
    p = reference.proba(lab, X[:, 0], X[:, 1])
    got = metrics(lab, data_seed, samples)
    assert got.final_loss == pytest.approx(log_loss(Y[:, 0], p), rel=1e-12)
    assert got.train_accuracy == pytest.approx(((p >= 0.5) == (Y[:, 0] >= 0.5)).mean(), abs=0)
    t, d = domain_grid(200)
    on_grid = ((reference.proba(lab, t, d) >= 0.5) == good_roast(t, d)).mean()
    assert got.grid_accuracy == pytest.approx(on_grid, abs=0)


def test_the_data_seed_and_samples_are_those_asked_for():
    lab = lab_network()
    assert metrics(lab, 7, 150).final_loss != metrics(lab, 2, 150).final_loss
    assert metrics(lab, 7, 150).final_loss != metrics(lab, 7, 200).final_loss


@pytest.mark.parametrize("seed", [0, 3, 11])
def test_unit_pairs_are_scipy_s_cosine_and_numpy_s_correlation(seed):
    net = train(Recipe(seed=seed, steps=400)).network
    t, d = domain_grid(200)
    t, d = t[::4], d[::4]  # the report's 10,000 readings
    hidden = 1.0 / (1.0 + np.exp(-(((np.stack([t, d], 1) - net.mean) / net.std) @ net.W1 + net.b1)))
    incoming = np.vstack([net.W1, net.b1[None, :]]).T
    report = symmetry_report(net)
    assert [p.units for p in report.pairs] == [(0, 1), (0, 2), (1, 2)]
    for pair in report.pairs:
        i, j = pair.units
        assert pair.weight_cosine == pytest.approx(1 - cosine(incoming[i], incoming[j]), abs=1e-12)
        assert pair.activation_correlation == pytest.approx(
            np.corrcoef(hidden[:, i], hidden[:, j])[0, 1], abs=1e-9)
        both = np.append(incoming[i], net.W2[i, 0]) - np.append(incoming[j], net.W2[j, 0])
        assert pair.max_weight_difference == pytest.approx(np.abs(both).max(), rel=1e-12)
        assert pair.max_activation_difference == pytest.approx(
            np.abs(hidden[:, i] - hidden[:, j]).max(), abs=1e-12)

"""service/present.py words the model layer's data: a seed comparison, a symmetry report, an explanation."""

import math

from model.compare import Labour, Metrics, SeedComparison, SeedResult, SymmetryReport, UnitPair
from model.explain import Explainer
from model.network import lab_network
from service import present
from tests import reference as ref

SPLIT = Labour({"temperature_too_low": [0], "duration_too_short": [1], "too_hot_for_too_long": [2]},
               True, [])
PILED = Labour({"temperature_too_low": [0, 1], "too_hot_for_too_long": [2]}, False, [[0, 1]])


def test_a_seed_comparison_is_answered_row_by_row_with_its_summary():
    rows = [SeedResult(3, "m3", SPLIT, Metrics(1.0, 0.995, 0.01), 40, 900),
            SeedResult(4, "m4", PILED, Metrics(0.9, 0.91, 0.2), None, None),
            SeedResult(5, "m5", PILED, Metrics(0.85, 0.9, 0.3), None, 1200)]
    assert present.comparison(SeedComparison(rows)) == {
        "seeds": [
            {"seed": 3, "model_id": "m3", "regions": SPLIT.regions, "all_regions_covered": True,
             "duplicates": [], "train_accuracy": 1.0, "grid_accuracy": 0.995, "separation_step": 40,
             "regions_settled_step": 900},
            {"seed": 4, "model_id": "m4", "regions": PILED.regions, "all_regions_covered": False,
             "duplicates": [[0, 1]], "train_accuracy": 0.9, "grid_accuracy": 0.91,
             "separation_step": None, "regions_settled_step": None},
            {"seed": 5, "model_id": "m5", "regions": PILED.regions, "all_regions_covered": False,
             "duplicates": [[0, 1]], "train_accuracy": 0.85, "grid_accuracy": 0.9,
             "separation_step": None, "regions_settled_step": 1200},
        ],
        "coverage_rate": 1 / 3,
        "summary": "1 of 3 seeds divide the three bad-roast regions (temperature_too_low, "
                   "duration_too_short, too_hot_for_too_long) between their units; 2 have two or "
                   "more units on the same region.",
    }


def test_no_seeds_cover_nothing():
    assert present.comparison(SeedComparison([]))["coverage_rate"] == 0.0


def test_a_symmetry_report_names_its_pairs_as_lists():
    report = SymmetryReport([UnitPair((0, 1), 1.0, 0.0, 1.0, 0.0)], [[0, 1]], 1)
    assert present.symmetry(report) == {
        "pairs": [{"units": [0, 1], "weight_cosine": 1.0, "max_weight_difference": 0.0,
                   "activation_correlation": 1.0, "max_activation_difference": 0.0}],
        "duplicate_groups": [[0, 1]], "distinct_units": 1}


def test_each_neurons_logit_contribution_is_its_output_weight_times_its_activation():
    """The explanation's logit contributions, from the published weights by hand (tests/reference.py):
    w2[j] · a[j], and with the output bias they add up to the answer's log-odds."""
    net = lab_network()
    explainer = Explainer(net)
    for t, d in [(160.0, 13.5), (200.0, 13.9), (260.0, 15.0), (230.0, 11.0)]:
        answer = present.explanation(explainer.explain(t, d))
        a = ref.activations(net, t, d)
        contributions = [n["logit_contribution"] for n in answer["neurons"]]
        for j, c in enumerate(contributions):
            assert math.isclose(c, net.W2[j, 0] * a[j], rel_tol=1e-12, abs_tol=1e-12), (t, d, j)
        logit = float(ref.logits(net, t, d))
        assert math.isclose(net.b2[0] + sum(contributions), logit, rel_tol=1e-9, abs_tol=1e-9)

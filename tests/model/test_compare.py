import pytest

from model.compare import SeedEntry, compare_seeds, division_of_labour
from model.data import PRIMARY_REGIONS
from model.roles import neuron_roles
from model.train import Recipe, train, train_seeds


@pytest.fixture(scope="module")
def twenty_seeds():
    results = train_seeds(Recipe(), list(range(20)))
    return compare_seeds([SeedEntry(r.recipe.seed, r.recipe.id, r.network) for r in results])


def test_most_seeds_divide_the_three_regions(twenty_seeds):
    rows = twenty_seeds.rows
    covered = [r for r in rows if r.labour.all_regions_covered]
    assert twenty_seeds.covered == len(covered)
    assert twenty_seeds.coverage_rate == len(covered) / 20
    assert 0.7 <= twenty_seeds.coverage_rate < 1.0  # symmetry breaking is no guarantee
    assert twenty_seeds.with_duplicates == sum(bool(r.labour.duplicates) for r in rows)
    assert [r.seed for r in rows] == list(range(20))
    for r in covered:
        assert r.metrics.train_accuracy == 1.0 and r.metrics.grid_accuracy >= 0.985
        assert sorted(k for k in r.labour.regions if k in PRIMARY_REGIONS) == sorted(PRIMARY_REGIONS)


def test_seeds_in_a_poorer_solution_are_reported_honestly(twenty_seeds):
    poor = [r for r in twenty_seeds.rows if not r.labour.all_regions_covered]
    assert poor
    for r in poor:
        assert r.metrics.grid_accuracy < 0.95 and r.metrics.train_accuracy < 1.0
        assert "duration_too_short" not in r.labour.regions


def test_two_units_leave_a_region_uncovered():
    roles = neuron_roles(train(Recipe(hidden_units=2)).network)
    labour = division_of_labour(roles)
    assert not labour.all_regions_covered
    assert len([k for k in PRIMARY_REGIONS if k not in labour.regions]) >= 1


def test_identical_starts_pile_onto_one_region():
    [row] = compare_seeds([SeedEntry(5, "x", train(Recipe(seed=5, init="symmetric")).network)]).rows
    assert not row.labour.all_regions_covered
    [units] = row.labour.duplicates
    assert units == [0, 1, 2]
    assert row.separation_step is None and row.regions_settled_step is None  # no trajectory given

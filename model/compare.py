"""Across units and across seeds: symmetry reports, accuracy metrics and seed comparisons.

Data only (numbers, unit indices, region keys): service/present.py words them into answers.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from typing import NamedTuple

import numpy as np

from model.data import (
    DEFAULT_DATA_SEED,
    DEFAULT_SAMPLES,
    PRIMARY_REGIONS,
    REGION_BY_KEY,
    domain_grid,
    good_roast,
    load_coffee_data,
)
from model.network import Network
from model.roles import Role, neuron_roles
from model.trajectory import Trajectory

DUPLICATE_TOL = 1e-3  # units whose activations differ by less than this everywhere are one unit
METRIC_GRID = 200


@cache
def _ground_truth_grid() -> tuple[np.ndarray, np.ndarray]:
    t, d = domain_grid(METRIC_GRID)
    return np.stack([t, d], axis=1), good_roast(t, d)


class Metrics(NamedTuple):
    train_accuracy: float
    grid_accuracy: float  # on a dense grid of the ground truth over the domain
    final_loss: float  # mean binary cross-entropy on the training data


def metrics(net: Network, data_seed: int = DEFAULT_DATA_SEED,
            samples: int = DEFAULT_SAMPLES) -> Metrics:
    """Return training accuracy, accuracy on a dense ground-truth grid and the training loss."""
    X, Y = load_coffee_data(data_seed, samples)
    p = net.predict_proba(X)
    y = Y[:, 0]
    eps = 1e-15
    loss = -np.mean(y * np.log(np.clip(p, eps, 1)) + (1 - y) * np.log(np.clip(1 - p, eps, 1)))
    G, yg = _ground_truth_grid()
    return Metrics(train_accuracy=float(((p >= 0.5) == (y >= 0.5)).mean()),
                   grid_accuracy=float(((net.predict_proba(G) >= 0.5) == (yg >= 0.5)).mean()),
                   final_loss=float(loss))


class UnitPair(NamedTuple):
    units: tuple[int, int]
    weight_cosine: float  # of the incoming weights and bias
    max_weight_difference: float  # over incoming weights, bias and output weight
    activation_correlation: float  # over the domain
    max_activation_difference: float


@dataclass(frozen=True)
class SymmetryReport:
    pairs: list[UnitPair]  # every pair of units, in order
    duplicate_groups: list[list[int]]  # units that are one unit in effect
    distinct_units: int


def symmetry_report(net: Network) -> SymmetryReport:
    """Compare every pair of hidden units by weights and by activation over the domain."""
    G, _ = _ground_truth_grid()
    A1 = net.outputs(G[::4, 0], G[::4, 1]).hidden  # (G/4, H): 10,000 readings are plenty to compare patterns
    incoming = np.vstack([net.W1, net.b1[None, :]]).T  # (H, 3)
    pairs = []
    parent = list(range(net.hidden_units))
    for i, j in combinations(range(net.hidden_units), 2):
        max_act = float(np.abs(A1[:, i] - A1[:, j]).max())
        pairs.append(UnitPair(
            units=(i, j),
            weight_cosine=_cosine(incoming[i], incoming[j]),
            max_weight_difference=_max_difference(
                np.append(incoming[i], net.W2[i, 0]), np.append(incoming[j], net.W2[j, 0])),
            activation_correlation=_correlation(A1[:, i], A1[:, j]),
            max_activation_difference=max_act,
        ))
        if max_act < DUPLICATE_TOL:
            parent[_root(parent, j)] = _root(parent, i)
    groups: dict[int, list[int]] = {}
    for unit in range(net.hidden_units):
        groups.setdefault(_root(parent, unit), []).append(unit)
    return SymmetryReport(pairs=pairs, duplicate_groups=[g for g in groups.values() if len(g) > 1],
                          distinct_units=len(groups))


def _root(parent: list[int], i: int) -> int:
    while parent[i] != i:
        i = parent[i]
    return i


def _cosine(u: np.ndarray, v: np.ndarray) -> float:
    # Scaled first: weights near the float limit (imports may have them) would overflow the norms.
    u, v = u / (np.abs(u).max() or 1.0), v / (np.abs(v).max() or 1.0)
    norm = np.linalg.norm(u) * np.linalg.norm(v)
    return float(np.clip(u @ v / norm, -1, 1)) if norm > 0 else 0.0


def _max_difference(u: np.ndarray, v: np.ndarray) -> float:
    """Return max |u - v|, saturated at the largest float rather than overflowing to infinity."""
    half = float(np.abs(u / 2 - v / 2).max())
    return min(2 * half, sys.float_info.max)


def _correlation(u: np.ndarray, v: np.ndarray) -> float:
    su, sv = u.std(), v.std()
    if su < 1e-12 or sv < 1e-12:
        return 1.0 if np.allclose(u, v) else 0.0
    return float(np.clip(((u - u.mean()) * (v - v.mean())).mean() / (su * sv), -1, 1))


@dataclass(frozen=True)
class SeedEntry:
    seed: int
    model_id: str
    network: Network
    data_seed: int = DEFAULT_DATA_SEED
    samples: int = DEFAULT_SAMPLES
    # Already known for a stored model: given here, they are not computed again.
    metrics: Metrics | None = None
    roles: list[Role] | None = None
    trajectory: Trajectory | None = None  # None: not recorded (imports, older models)


class Labour(NamedTuple):
    regions: dict[str, list[int]]  # region key -> the units covering it, in unit order
    all_regions_covered: bool  # every one of PRIMARY_REGIONS has a unit
    duplicates: list[list[int]]  # units sharing one bad-roast region


def division_of_labour(roles: list[Role]) -> Labour:
    """Return which units cover which region, whether the three needed are covered, and clashes."""
    regions: dict[str, list[int]] = {}
    for role in roles:
        regions.setdefault(role.region, []).append(role.neuron)
    duplicates = [units for key, units in regions.items()
                  if key in REGION_BY_KEY and len(units) > 1]
    return Labour(regions, all(key in regions for key in PRIMARY_REGIONS), duplicates)


@dataclass(frozen=True)
class SeedResult:
    seed: int
    model_id: str
    labour: Labour
    metrics: Metrics
    separation_step: int | None  # None: never separated, or no trajectory
    regions_settled_step: int | None  # None: no trajectory


@dataclass(frozen=True)
class SeedComparison:
    rows: list[SeedResult]

    @property
    def covered(self) -> int:
        """Seeds whose units cover all of PRIMARY_REGIONS."""
        return sum(r.labour.all_regions_covered for r in self.rows)

    @property
    def with_duplicates(self) -> int:
        """Seeds with two or more units on one bad-roast region."""
        return sum(bool(r.labour.duplicates) for r in self.rows)

    @property
    def coverage_rate(self) -> float:
        return self.covered / len(self.rows) if self.rows else 0.0


def compare_seeds(entries: list[SeedEntry]) -> SeedComparison:
    """Compare how each seed's units divide the bad-roast regions between them."""
    return SeedComparison([
        SeedResult(seed=e.seed, model_id=e.model_id,
                   labour=division_of_labour(e.roles or neuron_roles(e.network)),
                   metrics=e.metrics or metrics(e.network, e.data_seed, e.samples),
                   separation_step=e.trajectory.separation_step if e.trajectory else None,
                   regions_settled_step=e.trajectory.regions_settled_step if e.trajectory else None)
        for e in entries])

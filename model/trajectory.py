"""A training trajectory read from its snapshots: loss, gradients, regions and how far units drift apart.

Everything here is derived from the stored snapshots (the weights at each kept step), so a
trajectory costs a few KB to keep and its reading can never disagree with the weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from model.data import DEFAULT_DATA_SEED, DEFAULT_SAMPLES
from model.roles import unit_regions
from model.snapshots import Snapshots
from model.train import DTYPE, SeedBatch, bce_from_logits, training_data

SEPARATION_FACTOR = 1000.0  # the closest two units count as separated once this much further apart


@dataclass(frozen=True, eq=False)
class Trajectory:
    """What each snapshot says, K snapshots of H units and P = H(H-1)/2 pairs.

    steps : (K,)
    loss : (K,)  mean binary cross-entropy on the training data, as training computed it
    gradient_norm : (K, H)  ‖d loss / d (w_t, w_d, b1, w2)‖ of each unit at that step
    regions : K lists of H region keys; agreement : (K, H)
    pairs : P (i, j) with i < j; distance : (K, P)  Euclidean, between the units' (w_t, w_d, b1,
        w2) on normalised inputs
    """

    snapshots: Snapshots
    loss: np.ndarray
    gradient_norm: np.ndarray
    regions: list[list[str]]
    agreement: np.ndarray
    pairs: list[tuple[int, int]]
    distance: np.ndarray

    def __repr__(self) -> str:
        return (f"Trajectory(K={self.steps.size}, separation_step={self.separation_step}, "
                f"regions_settled_step={self.regions_settled_step})")

    @property
    def steps(self) -> np.ndarray:
        return self.snapshots.steps

    @property
    def closest(self) -> np.ndarray | None:
        """Return the distance of the closest two units at each snapshot (K,); None for one unit."""
        return self.distance.min(axis=1) if self.pairs else None

    @property
    def separation_step(self) -> int | None:
        """Return the first step at which the closest two units are SEPARATION_FACTOR× further
        apart than at step 0; None when they never are, and always when they started identical
        (no multiple of 0 is ever exceeded by growth: identical units stay identical)."""
        closest = self.closest
        if closest is None or closest[0] == 0:
            return None
        hits = np.flatnonzero(closest >= SEPARATION_FACTOR * closest[0])
        return int(self.steps[hits[0]]) if hits.size else None

    @property
    def regions_settled_step(self) -> int:
        """Return the first kept step from which no unit changes region to the end."""
        last = 0
        for k in range(1, len(self.regions)):
            if self.regions[k] != self.regions[k - 1]:
                last = k
        return int(self.steps[last])


def trace(snapshots: Snapshots, data_seed: int = DEFAULT_DATA_SEED,
          samples: int = DEFAULT_SAMPLES) -> Trajectory:
    """Read a trajectory from its snapshots and the recipe's data.

    The loss and gradients come from the training code itself (every snapshot as one network of
    a SeedBatch, in float32): what training saw at that step. Regions are neuron_roles' rule.
    """
    x_t, x_d, y, mean, std = training_data(data_seed, samples)
    K, H = snapshots.steps.size, snapshots.hidden_units
    p = snapshots.params
    theta = np.concatenate([p[:, k * H:(k + 1) * H].ravel() for k in range(4)] + [p[:, -1]]).astype(DTYPE)
    batch = SeedBatch(x_t, x_d, y, K, H)
    z2 = batch.forward(theta)
    loss = bce_from_logits(z2, y).astype(np.float64)
    grad = np.empty_like(theta)
    batch.backward(theta, z2, grad)
    g = grad[:4 * K * H].astype(np.float64).reshape(4, K, H)
    gradient_norm = np.sqrt((g * g).sum(axis=0))

    units = snapshots.units()  # (K, H, 4)
    W1, b1, w2 = units[..., :2].reshape(-1, 2).T, units[..., 2].ravel(), units[..., 3].ravel()
    A, c = W1 / std[:, None], b1 - (mean / std) @ W1  # the normalisation folded in, as Network does
    keys, agreement, _ = unit_regions(A[0], A[1], c, w2)
    pairs = list(combinations(range(H), 2))
    distance = np.zeros((K, len(pairs)))
    for n, (i, j) in enumerate(pairs):
        distance[:, n] = np.sqrt(((units[:, i] - units[:, j]) ** 2).sum(axis=1))
    return Trajectory(snapshots, loss, gradient_norm, [keys[k * H:(k + 1) * H] for k in range(K)],
                      agreement.reshape(K, H), pairs, distance)

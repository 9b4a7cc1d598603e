"""Training: initialisers, Adam, full-batch training of many seeds at once, recipes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from model.data import (
    DEFAULT_DATA_SEED,
    DEFAULT_SAMPLES,
    MAX_SAMPLES,
    MIN_SAMPLES,
    load_coffee_data,
    normalization,
)
from model.init_names import DEFAULT_INIT, INITS, Init
from model.network import MAX_HIDDEN_UNITS, Network, content_id
from model.snapshots import Snapshots, snapshot_steps

MAX_STEPS = 20_000
MAX_SEED = 2**32 - 1
LOSS_CURVE_POINTS = 100
DTYPE = np.float32


@dataclass(frozen=True)
class Recipe:
    """Everything that determines a trained network: the same recipe gives the same weights."""

    data_seed: int = DEFAULT_DATA_SEED
    samples: int = DEFAULT_SAMPLES
    seed: int = 1234
    init: Init = DEFAULT_INIT
    hidden_units: int = 3
    steps: int = 3000
    learning_rate: float = 0.05
    perturbation: float = 0.0  # ε: a symmetric start's units differ by ε × standard-normal noise

    def __post_init__(self) -> None:
        if isinstance(self.perturbation, int):  # 1 and 1.0 are one recipe, so one id
            object.__setattr__(self, "perturbation", float(self.perturbation))
        checks = [
            (0 <= self.data_seed <= MAX_SEED, f"data_seed must be in 0…{MAX_SEED}"),
            (MIN_SAMPLES <= self.samples <= MAX_SAMPLES,
             f"samples must be in {MIN_SAMPLES}…{MAX_SAMPLES}"),
            (0 <= self.seed <= MAX_SEED, f"seed must be in 0…{MAX_SEED}"),
            (self.init in INITS, f"init must be one of {', '.join(INITS)}"),
            (1 <= self.hidden_units <= MAX_HIDDEN_UNITS,
             f"hidden_units must be in 1…{MAX_HIDDEN_UNITS}"),
            (1 <= self.steps <= MAX_STEPS, f"steps must be in 1…{MAX_STEPS}"),
            (0 < self.learning_rate <= 1, "learning_rate must be in (0, 1]"),
            (0 <= self.perturbation <= 1, "perturbation must be in 0…1"),
            (self.perturbation == 0 or self.init == "symmetric",
             "perturbation applies to init symmetric only"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    @property
    def id(self) -> str:
        """Return the id every machine derives from this recipe.

        A recipe without a perturbation hashes as recipes did before perturbations existed, so
        their models keep their ids.
        """
        content = asdict(self)
        if content["perturbation"] == 0:
            del content["perturbation"]
        return content_id({"recipe": content})

    def with_seed(self, seed: int) -> Recipe:
        return replace(self, seed=seed)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def glorot(rng: np.random.Generator, hidden_units: int) -> tuple[np.ndarray, ...]:
    """Draw Keras-default parameters: Glorot-uniform kernels, zero biases.

    Returns W1 (2, H), b1 (H,), W2 (H, 1), b2 (1,).
    """
    limit1 = np.sqrt(6.0 / (2 + hidden_units))
    limit2 = np.sqrt(6.0 / (hidden_units + 1))
    W1 = rng.uniform(-limit1, limit1, size=(2, hidden_units))
    W2 = rng.uniform(-limit2, limit2, size=(hidden_units, 1))
    return W1, np.zeros(hidden_units), W2, np.zeros(1)


def symmetric(rng: np.random.Generator, hidden_units: int,
              perturbation: float = 0.0) -> tuple[np.ndarray, ...]:
    """Draw one unit's Glorot-uniform weights and give every hidden unit a copy (the control).

    With ``perturbation`` ε > 0, each unit's own parameters (W1 column, b1, W2 row) get ε times
    standard-normal noise drawn after the copy, so ε = 0 draws exactly what it always drew.
    """
    W1, _, W2, b2 = glorot(rng, 1)
    H = hidden_units
    W1, b1, W2 = np.tile(W1, (1, H)), np.zeros(H), np.tile(W2, (H, 1))
    if perturbation:
        W1 = W1 + perturbation * rng.standard_normal((2, H))
        b1 = b1 + perturbation * rng.standard_normal(H)
        W2 = W2 + perturbation * rng.standard_normal((H, 1))
    return W1, b1, W2, b2


def initial(recipe: Recipe) -> tuple[np.ndarray, ...]:
    """Return the recipe's starting W1 (2, H), b1 (H,), W2 (H, 1), b2 (1,), drawn from its seed."""
    rng = np.random.default_rng(recipe.seed)
    if recipe.init == "symmetric":
        return symmetric(rng, recipe.hidden_units, recipe.perturbation)
    return glorot(rng, recipe.hidden_units)


class Adam:
    """Adam on one flat parameter vector, updated in place (Keras' form of the bias correction)."""

    def __init__(self, size: int, learning_rate: float, beta1: float = 0.9,
                 beta2: float = 0.999, epsilon: float = 1e-7) -> None:
        self.hyperparameters = {"learning_rate": learning_rate, "beta1": beta1,
                                "beta2": beta2, "epsilon": epsilon}
        self.m = np.zeros(size, dtype=DTYPE)
        self.v = np.zeros(size, dtype=DTYPE)
        self.t = 0
        self._scratch = np.empty(size, dtype=DTYPE)

    def __repr__(self) -> str:
        return f"Adam(t={self.t}, {self.hyperparameters})"

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        hp = self.hyperparameters
        b1, b2 = hp["beta1"], hp["beta2"]
        self.t += 1
        lr_t = float(hp["learning_rate"] * np.sqrt(1 - b2**self.t) / (1 - b1**self.t))
        self.m *= b1
        self.m += (1 - b1) * grad
        self.v *= b2
        self.v += (1 - b2) * (grad * grad)
        s = self._scratch
        np.sqrt(self.v, out=s)
        s += hp["epsilon"]
        np.divide(self.m, s, out=s)
        s *= lr_t
        theta -= s


@dataclass(frozen=True, eq=False)
class TrainResult:
    recipe: Recipe
    network: Network
    loss_curve: list[tuple[int, float]]
    snapshots: Snapshots | None = None

    @property
    def final_loss(self) -> float:
        return self.loss_curve[-1][1]

    def __repr__(self) -> str:
        return f"TrainResult(seed={self.recipe.seed}, final_loss={self.final_loss:.4g})"


def train(recipe: Recipe) -> TrainResult:
    """Train one network; the same code path as a batch of one seed."""
    return train_seeds(recipe, [recipe.seed])[0]


def train_seeds(
    recipe: Recipe, seeds: list[int], observe: Callable[[int, np.ndarray], None] | None = None,
    snapshots: bool = True,
) -> list[TrainResult]:
    """Train one network per seed at once, full-batch Adam on binary cross-entropy.

    Every seed's H units are stacked on one hidden axis of size S*H, with the samples on the
    last axis. All arithmetic is elementwise or a per-row sum over samples, so a seed's result is
    bit for bit the same whichever seeds it is trained beside. Arithmetic is float32, as Keras
    trains, which halves the memory traffic of a large batch of seeds.

    ``observe(step, z2)``, when given, sees the output logits z2 (S, N) before every step.
    With ``snapshots`` each result keeps the parameters at the log-spaced steps of
    ``snapshot_steps``: one copy of theta per kept step, a few dozen in all.
    """
    seeds = [int(s) for s in seeds]
    recipes = [recipe.with_seed(s) for s in seeds]  # validates every seed
    x_t, x_d, y, mean, std = training_data(recipe.data_seed, recipe.samples)
    S, H = len(seeds), recipe.hidden_units
    SH = S * H

    params = [initial(r) for r in recipes]
    theta = np.concatenate([
        np.concatenate([W1[0] for W1, _, _, _ in params]),
        np.concatenate([W1[1] for W1, _, _, _ in params]),
        np.concatenate([b1 for _, b1, _, _ in params]),
        np.concatenate([W2[:, 0] for _, _, W2, _ in params]),
        np.concatenate([b2 for _, _, _, b2 in params]),
    ]).astype(DTYPE)
    grad = np.empty_like(theta)
    batch = SeedBatch(x_t, x_d, y, S, H)
    adam = Adam(theta.size, recipe.learning_rate)
    log_every = max(1, recipe.steps // LOSS_CURVE_POINTS)
    curves: list[list[tuple[int, float]]] = [[] for _ in seeds]
    keep = snapshot_steps(recipe.steps) if snapshots else []
    history = np.empty((len(keep), theta.size), dtype=DTYPE)
    kept = 0
    for step in range(recipe.steps + 1):
        if kept < len(keep) and step == keep[kept]:
            history[kept] = theta
            kept += 1
        z2 = batch.forward(theta)
        if observe is not None:
            observe(step, z2)
        if step % log_every == 0 or step == recipe.steps:
            for curve, value in zip(curves, bce_from_logits(z2, y), strict=True):
                curve.append((step, float(value)))
        if step == recipe.steps:
            break
        batch.backward(theta, z2, grad)
        adam.step(theta, grad)

    w_t, w_d, b1, w2, b2 = (v.astype(np.float64) for v in _split(theta, SH))
    results = []
    for i, r in enumerate(recipes):
        cols = slice(i * H, (i + 1) * H)
        net = Network(
            W1=np.stack([w_t[cols], w_d[cols]]),
            b1=b1[cols],
            W2=w2[cols].reshape(H, 1),
            b2=b2[i:i + 1],
            mean=mean,
            std=std,
        )
        kept_i = None
        if snapshots:
            blocks = [history[:, k * SH:(k + 1) * SH][:, cols] for k in range(4)]
            kept_i = Snapshots(np.array(keep), np.hstack([*blocks, history[:, 4 * SH + i, None]]))
        results.append(TrainResult(r, net, curves[i], kept_i))
    return results


def training_data(data_seed: int, samples: int) -> tuple[np.ndarray, ...]:
    """Return normalised x_t, x_d and labels y (N,) as training sees them (float32), mean, std (2,)."""
    X, Y = load_coffee_data(data_seed, samples)
    mean, std = normalization(X)
    x_t, x_d = ((X - mean) / std).T.astype(DTYPE)
    return x_t, x_d, Y[:, 0].astype(DTYPE), mean, std


class SeedBatch:
    """Forward and backward passes for S networks of H units on N samples, in fixed buffers.

    Parameters live in one flat vector theta = [w_t (SH) | w_d (SH) | b1 (SH) | w2 (SH) | b2 (S)].
    sigmoid(z) = (1 + tanh(z/2)) / 2, so with T = tanh(z1/2) the hidden activations are never
    formed: the output logit is (w2/2)·T + b2 + sum(w2)/2 and sigmoid'(z1) = (1 - T²)/4.

    A seed's numbers never depend on its neighbours: z1/2 = w_t·x_t + w_d·x_d + b1 is formed
    elementwise, each product and sum rounded alone (a matrix product leaves that to the BLAS
    kernel, which fuses multiply and add for many rows and not for one), and every sum over
    units or samples is an ``einsum`` that reduces each row alone, in the same order.
    """

    def __init__(self, x_t: np.ndarray, x_d: np.ndarray, y: np.ndarray, S: int, H: int) -> None:
        self.y = y
        self.S, self.H, self.N = S, H, y.size
        SH = S * H
        self.inputs = (x_t, x_d)
        self.half = np.empty(4 * SH + S, dtype=DTYPE)
        self.T = np.empty((SH, self.N), dtype=DTYPE)  # preallocated: no page faults per step
        self.slope = np.empty_like(self.T)
        self.per_seed = np.empty((2, S, self.N), dtype=DTYPE)  # dz2 · x_t, dz2 · x_d

    def __repr__(self) -> str:
        return f"SeedBatch(S={self.S}, H={self.H}, N={self.N})"

    def forward(self, theta: np.ndarray) -> np.ndarray:
        """Return the output logits z2 (S, N); keep T = tanh(z1/2) (SH, N) for backward."""
        S, H, N = self.S, self.H, self.N
        SH = S * H
        np.multiply(theta, 0.5, out=self.half)
        h_w_t, h_w_d, h_b1, h_w2, _ = _split(self.half, SH)
        h_w2 = h_w2.reshape(S, H)
        x_t, x_d = self.inputs
        T = np.multiply(h_w_t[:, None], x_t, out=self.T)
        T += np.multiply(h_w_d[:, None], x_d, out=self.slope)  # slope: scratch until backward
        T += h_b1[:, None]
        np.tanh(T, out=T)
        z2: np.ndarray = np.einsum("shn,sh->sn", T.reshape(S, H, N), h_w2)
        z2 += (_split(theta, SH)[4] + h_w2.sum(axis=1))[:, None]
        return z2

    def backward(self, theta: np.ndarray, z2: np.ndarray, grad: np.ndarray) -> None:
        """Fill grad (like theta) with d mean-BCE / d theta; z2 from forward is overwritten."""
        S, H, N = self.S, self.H, self.N
        SH = S * H
        g_t, g_d, g_b1, g_w2, g_b2 = _split(grad, SH)
        T, slope = self.T.reshape(S, H, N), self.slope.reshape(S, H, N)
        z2 *= 0.5
        dz2 = np.tanh(z2, out=z2)
        dz2 += 1.0
        dz2 *= 0.5
        dz2 -= self.y
        dz2 /= N  # (S, N) = d loss / d z2
        g_b2[:] = dz2.sum(axis=-1)
        np.einsum("shn,sn->sh", T, dz2, out=g_w2.reshape(S, H))
        g_w2 += np.repeat(g_b2, H)
        g_w2 *= 0.5
        # d loss / d z1 = (1 - T²) / 4 · w2 · dz2: the per-unit factor w2 / 4 comes after the sums
        np.multiply(self.T, self.T, out=self.slope)
        np.subtract(1.0, self.slope, out=self.slope)
        x_t, x_d = self.inputs
        np.multiply(dz2, x_t, out=self.per_seed[0])
        np.multiply(dz2, x_d, out=self.per_seed[1])
        for g, per_seed in zip((g_t, g_d, g_b1), (*self.per_seed, dz2), strict=True):
            np.einsum("shn,sn->sh", slope, per_seed, out=g.reshape(S, H))
        quarter_w2 = _split(theta, SH)[3] * 0.25
        g_t *= quarter_w2
        g_d *= quarter_w2
        g_b1 *= quarter_w2


def _split(v: np.ndarray, SH: int) -> tuple[np.ndarray, ...]:
    """Return the views w_t, w_d, b1, w2 (SH,) and b2 (S,) of a flat parameter vector."""
    return v[:SH], v[SH:2 * SH], v[2 * SH:3 * SH], v[3 * SH:4 * SH], v[4 * SH:]


def bce_from_logits(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return the mean binary cross-entropy per row of logits z (S, N) against labels y (N,)."""
    loss: np.ndarray = (np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))).mean(axis=-1)
    return loss

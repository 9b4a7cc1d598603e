"""Independent truths for the explanation tests: the lab's forward pass and brute-force scans.

Nothing here calls the code under test: it works from the published parameters alone.
"""

from __future__ import annotations

import itertools

import numpy as np

VALID_T, VALID_D = (0.0, 500.0), (0.0, 120.0)  # the valid input range, °C and minutes


def logits(net, t, d) -> np.ndarray:
    """Return output logits the way the lab computes them: normalise, then two dense layers."""
    X = (np.stack(np.broadcast_arrays(np.asarray(t, float), np.asarray(d, float)), axis=-1)
         - net.mean) / net.std
    with np.errstate(over="ignore"):
        h = 1.0 / (1.0 + np.exp(-(X @ net.W1 + net.b1)))
    return h @ net.W2[:, 0] + net.b2[0]


def proba(net, t, d) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-logits(net, t, d)))


def activations(net, t: float, d: float) -> np.ndarray:
    x = (np.array([t, d]) - net.mean) / net.std
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-(x @ net.W1 + net.b1)))


def fewest_units_that_fix(net, t: float, d: float, threshold: float = 0.5,
                          slack: float = 0.0) -> int | None:
    """Return the size of the smallest set of units whose move to their good extreme makes the
    log-odds reach the threshold (less ``slack``), by trying every subset; None if none does."""
    h = activations(net, t, d)
    w2 = net.W2[:, 0]
    good_end = (w2 > 0).astype(float)  # activation 1 is best for a positive output weight
    cut = np.log(threshold / (1 - threshold)) - slack
    for size in range(len(w2) + 1):
        for subset in itertools.combinations(range(len(w2)), size):
            moved = h.copy()
            moved[list(subset)] = good_end[list(subset)]
            if moved @ w2 + net.b2[0] >= cut:
                return size
    return None


def good_intervals(net, axis: str, t: float, d: float, step: float,
                   threshold: float = 0.5) -> list[tuple[float, float]]:
    """Return the runs of good readings along one axis, sampled every ``step``."""
    lo, hi = VALID_T if axis == "temperature" else VALID_D
    v = np.arange(lo, hi + step / 2, step)
    p = proba(net, v, d) if axis == "temperature" else proba(net, t, v)
    good = np.concatenate([[False], p >= threshold, [False]])
    starts = np.flatnonzero(~good[:-1] & good[1:])
    ends = np.flatnonzero(good[:-1] & ~good[1:]) - 1
    return [(float(v[a]), float(v[b])) for a, b in zip(starts, ends, strict=True)]


def other_verdict_within(net, t: float, d: float, good: bool, radius: float,
                         threshold: float = 0.5, margin: float = 1e-6) -> float | None:
    """Return the distance (in training sd) of the nearest reading whose log-odds lie ``margin``
    past the threshold on the other side, inside a disc of ``radius`` sd around (t, d) and the
    valid range, on a fine grid; None if there is none."""
    if radius <= 0:
        return None
    step = max(0.002, radius / 300)
    u = np.arange(-radius, radius + step, step)
    U, V = np.meshgrid(u, u)
    inside = radius**2 >= U**2 + V**2
    tt, dd = t + U[inside] * net.std[0], d + V[inside] * net.std[1]
    valid = (tt >= VALID_T[0]) & (tt <= VALID_T[1]) & (dd >= VALID_D[0]) & (dd <= VALID_D[1])
    past = logits(net, tt[valid], dd[valid]) - np.log(threshold / (1 - threshold))
    other = past <= -margin if good else past >= margin
    if not other.any():
        return None
    return float(np.hypot(U[inside][valid][other], V[inside][valid][other]).min())


def shapley(net, t: float, d: float, background: np.ndarray) -> tuple[float, float]:
    """Return interventional Shapley values by the textbook sum over coalitions and orders."""
    def f(use_t: bool, use_d: bool) -> float:
        bt = np.full(len(background), t) if use_t else background[:, 0]
        bd = np.full(len(background), d) if use_d else background[:, 1]
        return float(np.mean(proba(net, bt, bd)))

    # v(S) for the four coalitions; each player's value averages its two marginals (n = 2).
    v0, vt, vd, v1 = f(False, False), f(True, False), f(False, True), f(True, True)
    return 0.5 * (vt - v0) + 0.5 * (v1 - vd), 0.5 * (vd - v0) + 0.5 * (v1 - vt)

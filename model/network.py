"""The network: normalisation, Dense(H, sigmoid), Dense(1, sigmoid); forward pass and (de)serialisation."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from model.data import VALID_DURATION_RANGE, VALID_TEMPERATURE_RANGE, load_coffee_data, normalization

MAX_HIDDEN_UNITS = 8
EXP_SAFE = 709.0  # exp of anything below this is finite: nothing to silence
FLAT = 1e-9  # a unit whose pre-activation moves less than this over the valid range has no boundary

# The course's TensorFlow lab, as published (weights act on normalised inputs).
LAB_WEIGHTS = {
    "W1": [[-8.94, 0.29, 12.89], [-0.17, -7.34, 10.79]],
    "b1": [-9.87, -9.28, 1.01],
    "W2": [[-31.38], [-27.86], [-32.79]],
    "b2": [15.54],
}

# The valid range's corners, temperatures then durations.
_CORNERS = (np.array(VALID_TEMPERATURE_RANGE * 2), np.repeat(VALID_DURATION_RANGE, 2))


def sigmoid(z: ArrayLike, out: np.ndarray | None = None) -> np.ndarray:
    """Return the logistic function 1 / (1 + exp(-z)) of an array (into ``out``), finite for every input."""
    s: np.ndarray = np.negative(np.asarray(z, dtype=np.float64), out=out)
    if out is None and not isinstance(s, np.ndarray):  # a 0-d array comes back as a scalar
        s = np.asarray(s)
    # 1 / (1 + inf) is exactly 0, so the overflow of exp(-z) for z < -709 is harmless.
    with np.errstate(over="ignore"):
        np.exp(s, out=s)
    s += 1.0
    np.reciprocal(s, out=s)
    return s


def logit(p: float) -> float:
    """Return the log-odds of a probability: the output logit at which it is reached."""
    return math.log(p / (1.0 - p))


def sigmoid_at(z: float) -> float:
    """Return the logistic function of one float: the bits ``sigmoid`` gives it in any array."""
    # numpy's exp, not math.exp: the two differ in the last bit of about one result in twenty.
    if z > -EXP_SAFE:
        return 1.0 / (1.0 + float(np.exp(-z)))
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + float(np.exp(-z)))


class Outputs(NamedTuple):
    """The forward pass of N readings."""

    z1: np.ndarray  # (N, H) hidden pre-activations
    hidden: np.ndarray  # (N, H) hidden activations
    z2: np.ndarray  # (N,) output logits
    p: np.ndarray  # (N,) good-roast probabilities


@dataclass(frozen=True, eq=False)
class Network:
    """Weights on normalised inputs and the normalisation that produces them.

    W1 : (2, H)  rows are temperature, duration
    b1 : (H,)
    W2 : (H, 1)
    b2 : (1,)
    mean, std : (2,)  temperature, duration in °C and minutes
    """

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    _folded: tuple[np.ndarray, np.ndarray] = field(init=False, repr=False)  # A (2, H), c (H, 1)
    # ((a_t, a_d, c, w2) per unit, b2, w2 per unit), as plain floats for one reading
    _scalar: tuple[tuple[tuple[float, float, float, float], ...], float, list[float]] = field(
        init=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("W1", "b1", "W2", "b2", "mean", "std"):
            array = np.array(getattr(self, name), dtype=np.float64)
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        _check(self)
        # Folding the normalisation into the first layer saves two passes over every batch.
        with np.errstate(over="ignore", invalid="ignore"):
            A = self.W1 / self.std[:, None]
            c = self.b1 - (self.mean / self.std) @ self.W1
        if not (np.isfinite(A).all() and np.isfinite(c).all()):
            raise ValueError("weights and normalization overflow when combined; use smaller values")
        # A pre-activation is linear in the reading: its largest size over the valid range, and
        # every term's, is at a corner. There it must be a number (inf - inf is NaN), and so
        # must the output layer's sum at its largest.
        with np.errstate(over="ignore", invalid="ignore"):
            corners = np.multiply.outer(A[0], _CORNERS[0]) + np.multiply.outer(A[1], _CORNERS[1]) + c[:, None]
            largest = np.abs(self.W2).sum() + abs(self.b2[0])
        if not (np.isfinite(corners).all() and np.isfinite(largest)):
            (t_lo, t_hi), (d_lo, d_hi) = VALID_TEMPERATURE_RANGE, VALID_DURATION_RANGE
            raise ValueError(f"weights and normalization overflow over the valid range "
                             f"({t_lo:g}–{t_hi:g} °C, {d_lo:g}–{d_hi:g} min); use smaller values")
        object.__setattr__(self, "_folded", (A, c[:, None]))
        # Plain floats for one reading at a time: numpy scalars cost ten times more per operation.
        w2 = self.W2[:, 0].tolist()
        units = tuple(zip(A[0].tolist(), A[1].tolist(), c.tolist(), w2, strict=True))
        object.__setattr__(self, "_scalar", (units, float(self.b2[0]), w2))

    @property
    def hidden_units(self) -> int:
        return int(self.W1.shape[1])

    def __repr__(self) -> str:
        return f"Network(hidden_units={self.hidden_units}, W2={np.round(self.W2[:, 0], 2).tolist()})"

    def boundaries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(a_t, a_d, c)``, each (H,): unit j's pre-activation is ``a_t t + a_d d + c``."""
        A, c = self._folded
        return A[0], A[1], c[:, 0]

    def outputs(self, t: ArrayLike, d: ArrayLike) -> Outputs:
        """Return pre-activations, activations, logits and probabilities of readings t °C, d min (N,)."""
        z1, hidden, z2 = self.logits(t, d)
        return Outputs(z1, hidden, z2, sigmoid(z2))

    def logits(self, t: ArrayLike, d: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``outputs`` short of the probabilities: z1 (N, H), hidden (N, H) and z2 (N,).

        The forward pass, in one place: ``outputs_at`` is its twin for one reading, with the
        same bits. It works element by element in a fixed order (no BLAS, whose sums depend on
        the batch size), so a reading gets the same bits alone or in any batch.
        """
        A, c = self._folded
        # Unit by unit (H, N): every row is contiguous, twice as fast as (N, H) for large N.
        z1 = np.multiply.outer(A[0], np.asarray(t, dtype=np.float64))
        hidden = np.multiply.outer(A[1], np.asarray(d, dtype=np.float64))
        z1 += hidden
        z1 += c
        sigmoid(z1, out=hidden)
        _, b2, weights = self._scalar
        z2 = hidden[0] * weights[0]
        z2 += b2
        term = np.empty_like(z2)
        for j in range(1, len(weights)):
            z2 += np.multiply(hidden[j], weights[j], out=term)
        return z1.T, hidden.T, z2

    def outputs_at(self, t: float, d: float) -> tuple[list[float], list[float], float, float]:
        """Return ``outputs`` of one reading in plain floats: z1 (H,), hidden (H,), z2 and p.

        The same arithmetic in the same order, so the same bits; a numpy call costs more than
        the whole sum for one reading.
        """
        units, z2, _ = self._scalar
        z1, hidden = [], []
        for a_t, a_d, c, w2 in units:
            z = a_t * t + a_d * d + c
            h = sigmoid_at(z)
            z1.append(z)
            hidden.append(h)
            z2 += h * w2  # b2 + h0 w0 + h1 w1 …: the batch's order, as addition commutes exactly
        return z1, hidden, z2, sigmoid_at(z2)

    def logit_at(self, t: float, d: float) -> float:
        """Return the output logit of one reading, ``outputs_at``'s z2 (the searches call it often)."""
        units, z2, _ = self._scalar
        for a_t, a_d, c, w2 in units:
            z2 += sigmoid_at(a_t * t + a_d * d + c) * w2
        return z2

    def predict_proba(self, X: ArrayLike, chunk: int = 16_384) -> np.ndarray:
        """Return good-roast probabilities (N,) for readings X (N, 2), in cache-sized chunks."""
        X = np.asarray(X, dtype=np.float64)
        p = np.empty(len(X))
        for start in range(0, len(X), chunk):
            x = X[start:start + chunk]
            p[start:start + chunk] = self.outputs(x[:, 0], x[:, 1]).p
        return p

    def fingerprint(self) -> str:
        """Return an id derived from the parameters alone: equal weights, equal id."""
        return content_id({"weights": self.to_dict()})

    def to_dict(self) -> dict[str, Any]:
        """Return the parameters as plain JSON-able lists."""
        return {
            "W1": self.W1.tolist(),
            "b1": self.b1.tolist(),
            "W2": self.W2.tolist(),
            "b2": self.b2.tolist(),
            "normalization": {"mean": self.mean.tolist(), "std": self.std.tolist()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Network:
        """Build a network from ``to_dict`` output; refuse wrong shapes, NaN or inf with ValueError."""
        if not isinstance(data, dict):
            raise ValueError("weights must be an object with W1, b1, W2, b2 and normalization")
        missing = [k for k in ("W1", "b1", "W2", "b2", "normalization") if k not in data]
        if missing:
            raise ValueError(f"weights are missing {', '.join(missing)}")
        norm = data["normalization"]
        if not isinstance(norm, dict) or "mean" not in norm or "std" not in norm:
            raise ValueError("normalization must be an object with mean and std")
        arrays = {k: _as_array(k, data[k]) for k in ("W1", "b1", "W2", "b2")}
        arrays["mean"] = _as_array("normalization.mean", norm["mean"])
        arrays["std"] = _as_array("normalization.std", norm["std"])
        return cls(**arrays)


def content_id(content: dict[str, Any]) -> str:
    """Return a short, stable hash of JSON-able content (sorted keys, exact float repr)."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _as_array(name: str, value: Any) -> np.ndarray:
    if isinstance(value, (str, bytes, dict)) or value is None:
        raise ValueError(f"{name} must be a list of numbers")
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a (nested) list of numbers") from exc
    return array


def _check(net: Network) -> None:
    if net.W1.ndim != 2 or net.W1.shape[0] != 2:
        raise ValueError(f"W1 must have shape (2, H), got {net.W1.shape}")
    H = net.W1.shape[1]
    if not 1 <= H <= MAX_HIDDEN_UNITS:
        raise ValueError(f"hidden units must be 1…{MAX_HIDDEN_UNITS}, got {H}")
    expected = {"b1": (H,), "W2": (H, 1), "b2": (1,), "mean": (2,), "std": (2,)}
    for name, shape in expected.items():
        actual = getattr(net, name).shape
        if actual != shape:
            raise ValueError(f"{name} must have shape {shape} for H={H}, got {actual}")
    for name in ("W1", "b1", "W2", "b2", "mean", "std"):
        if not np.isfinite(getattr(net, name)).all():
            raise ValueError(f"{name} must hold finite numbers only (no NaN or inf)")
    if (net.std <= 0).any():
        raise ValueError("normalization.std must be positive")


def lab_network() -> Network:
    """Return the lab's published network with the normalisation of the lab's data."""
    mean, std = normalization(load_coffee_data()[0])
    return Network(**{k: np.array(v) for k, v in LAB_WEIGHTS.items()}, mean=mean, std=std)

"""Snapshots of training: the parameters at log-spaced steps, exactly as training held them."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import numpy as np

SNAPSHOTS = 60  # steps kept per training run (all of them when there are fewer)


def snapshot_steps(steps: int, count: int = SNAPSHOTS) -> list[int]:
    """Return about ``count`` distinct steps from 0 to ``steps``, log-spaced: 0, 1, 2, 3, 5, …, steps.

    Rounded log-spaced points bunch up at the start, so the spacing is refined until ``count``
    distinct steps come out (every step when ``steps + 1 <= count``).
    """
    if steps + 1 <= count:
        return list(range(steps + 1))
    n = count - 1
    while True:
        kept = np.unique(np.round(np.geomspace(1, steps, n)).astype(int))
        if kept.size + 1 >= count:
            return [0, *kept.tolist()]
        n += 1


@dataclass(frozen=True, eq=False)
class Snapshots:
    """The parameters of one network at the kept steps.

    steps : (K,)  strictly increasing, from 0 to the last step
    params : (K, 4H + 1) float32  each row [w_t (H) | w_d (H) | b1 (H) | w2 (H) | b2], the
        weights on normalised inputs, bit for bit as training held them
    """

    steps: np.ndarray
    params: np.ndarray

    def __post_init__(self) -> None:
        steps = np.asarray(self.steps, dtype=np.int64)
        params = np.ascontiguousarray(self.params, dtype=np.float32)
        if params.ndim != 2 or (params.shape[1] - 1) % 4 or params.shape[0] != steps.size:
            raise ValueError(f"params must be (K, 4H + 1) for K = {steps.size} steps, got {params.shape}")
        if steps.size == 0 or steps[0] != 0 or (np.diff(steps) <= 0).any():
            raise ValueError("steps must start at 0 and increase strictly")
        object.__setattr__(self, "steps", steps)
        object.__setattr__(self, "params", params)

    def __repr__(self) -> str:
        return f"Snapshots(K={self.steps.size}, H={self.hidden_units}, last step={int(self.steps[-1])})"

    @property
    def hidden_units(self) -> int:
        return int((self.params.shape[1] - 1) // 4)

    def units(self) -> np.ndarray:
        """Return each unit's parameters (K, H, 4) in float64: w_t, w_d, b1, w2."""
        H = self.hidden_units
        return self.params[:, :4 * H].astype(np.float64).reshape(-1, 4, H).transpose(0, 2, 1)

    def output_bias(self) -> np.ndarray:
        """Return b2 (K,) in float64."""
        return self.params[:, -1].astype(np.float64)

    def to_dict(self) -> dict[str, Any]:
        """Return a compact JSON-able form: the float32 parameters as little-endian base64."""
        return {"steps": self.steps.tolist(), "hidden_units": self.hidden_units,
                "params": base64.b64encode(self.params.astype("<f4").tobytes()).decode()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshots:
        raw = np.frombuffer(base64.b64decode(data["params"]), dtype="<f4")
        return cls(np.array(data["steps"]), raw.reshape(len(data["steps"]), 4 * data["hidden_units"] + 1))

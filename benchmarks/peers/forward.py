"""The forward pass every peer runs: plain numpy, float64, from roastnet's exported weights.

This file is copied into nothing and imports nothing of roastnet: each peer loads it from its own
virtual environment, with the weights from the JSON file named by ROASTNET_PEER_WEIGHTS.
"""

import json
import os

import numpy as np


def load(path: str | None = None) -> dict[str, np.ndarray]:
    """Read ``Network.to_dict()`` output into arrays."""
    with open(path or os.environ["ROASTNET_PEER_WEIGHTS"]) as f:
        w = json.load(f)
    return {"W1": np.array(w["W1"]), "b1": np.array(w["b1"]), "W2": np.array(w["W2"]),
            "b2": np.array(w["b2"]), "mean": np.array(w["normalization"]["mean"]),
            "std": np.array(w["normalization"]["std"])}


def predict_proba(w: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """Return P(good roast) for readings X (n, 2) of temperature °C and duration min."""
    Xn = (X - w["mean"]) / w["std"]
    a1 = 1.0 / (1.0 + np.exp(-(Xn @ w["W1"] + w["b1"])))
    return (1.0 / (1.0 + np.exp(-(a1 @ w["W2"] + w["b2"]))))[:, 0]

"""Thirty-odd models to hold every explanation against: trained, published and odd imports."""

from __future__ import annotations

import os
import zlib
from functools import cache

import numpy as np

from model.data import load_coffee_data, normalization
from model.network import LAB_WEIGHTS, Network, lab_network
from model.train import Recipe, train, train_seeds

# The course's NumPy lab (C2_W1_Lab03) ships these weights for the same network.
NUMPY_LAB_WEIGHTS = {
    "W1": [[-8.93, 0.29, 12.9], [-0.1, -7.32, 10.81]],
    "b1": [-9.82, -9.28, 0.96],
    "W2": [[-31.18], [-27.59], [-32.56]],
    "b2": [15.41],
}


def imported(**changes) -> Network:
    """Return the lab's weights with some entries replaced, normalised as the lab's data."""
    mean, std = normalization(load_coffee_data()[0])
    weights = {k: np.array(v, dtype=float) for k, v in LAB_WEIGHTS.items()}
    weights.update({k: np.array(v, dtype=float) for k, v in changes.items()})
    return Network(**weights, mean=mean, std=std)


ODD = {
    # the combined unit's duration weight is exactly 0 (once a ZeroDivisionError)
    "zero-duration-weight": dict(W1=[[-8.94, 0.29, 12.89], [-0.17, -7.34, 0.0]]),
    # a unit that ignores temperature cannot be "too hot for too long"
    "zero-temperature-weight": dict(W1=[[-8.94, 0.29, 0.0], [-0.17, -7.34, 10.79]]),
    # unit 1 is always on over the domain: a constant handicap of about 5.4
    "always-on": dict(W1=[[-8.94, 0.0, 12.89], [-0.17, 0.3, 10.79]], b1=[-9.87, 3.0, 1.01],
                      W2=[[-31.38], [-5.6], [-32.79]], b2=[20.9]),
    # unit 1 has no weights at all and no output weight
    "dead-unit": dict(W1=[[-8.94, 0.0, 12.89], [-0.17, 0.0, 10.79]], W2=[[-31.38], [0.0], [-32.79]]),
    # the lab's weights fifty times over: every boundary a near step
    "steep": {k: (np.array(v) * 50).tolist() for k, v in LAB_WEIGHTS.items()},
    # every roast bad whatever the units do
    "always-bad": dict(b2=[-500.0]),
}


@cache
def zoo() -> dict[str, Network]:
    mean, std = normalization(load_coffee_data()[0])
    nets = {"default": train(Recipe()).network, "lab": lab_network(),
            "numpy-lab": Network(**{k: np.array(v) for k, v in NUMPY_LAB_WEIGHTS.items()},
                                 mean=mean, std=std)}
    for result in train_seeds(Recipe(), list(range(20))):
        nets[f"seed-{result.recipe.seed}"] = result.network
    nets["two-units"] = train(Recipe(hidden_units=2, seed=0)).network
    nets["eight-units"] = train(Recipe(hidden_units=8, seed=0)).network
    nets["symmetric"] = train(Recipe(init="symmetric")).network
    nets.update({name: imported(**changes) for name, changes in ODD.items()})
    return nets


NAMES = ["default", "lab", "numpy-lab", *(f"seed-{s}" for s in range(20)), "two-units",
         "eight-units", "symmetric", *ODD]
# make mutate runs the model tests once per mutant: there, a zoo of seven covers every kind.
QUICK = os.environ.get("ROASTNET_ZOO") == "quick"
if QUICK:
    NAMES = ["default", "lab", "seed-4", "eight-units", "always-on", "zero-temperature-weight", "steep"]


def readings(name: str) -> list[tuple[float, float]]:
    """Return readings to check a model on: in the training range, beyond it, and at its edges."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    inside = rng.uniform([150, 11.5], [285, 15.5], (8, 2))
    beyond = rng.uniform([0, 0.5], [500, 120], (4, 2))
    near = rng.uniform([100, 8], [350, 20], (3, 2))
    corners = [(0.0, 120.0), (500.0, 0.5)]
    chosen = [tuple(r) for r in np.concatenate([inside, beyond, near]).tolist()] + corners
    return chosen[::2] if QUICK else chosen

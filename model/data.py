"""The coffee-roasting data: the course lab's generator, its ground truth and the bad-roast regions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TEMPERATURE_RANGE = (150.0, 285.0)  # °C, the generator's domain (the training range)
DURATION_RANGE = (11.5, 15.5)  # minutes
VALID_TEMPERATURE_RANGE = (0.0, 500.0)  # °C: beyond these no reading is a roast
VALID_DURATION_RANGE = (0.0, 120.0)  # minutes
DEFAULT_DATA_SEED = 2
DEFAULT_SAMPLES = 200
MIN_SAMPLES, MAX_SAMPLES = 10, 100_000


@dataclass(frozen=True)
class Region:
    """A bad-roast region as the half-plane ``a_t * t + a_d * d + c > 0`` (or ``>= 0``)."""

    key: str
    words: str
    a_t: float
    a_d: float
    c: float
    inclusive: bool

    def contains(self, t: np.ndarray, d: np.ndarray) -> np.ndarray:
        """Return a boolean mask of the readings that lie in this region."""
        z = self.a_t * t + self.a_d * d + self.c
        return z >= 0 if self.inclusive else z > 0


# The good region is the triangle these half-planes leave; the last two are implied by the line
# d = 21 - 3t/85 inside the data range, so a unit may still learn them.
REGIONS: tuple[Region, ...] = (
    Region("temperature_too_low", "temperature too low", -1.0, 0.0, 175.0, True),
    Region("duration_too_short", "duration too short", 0.0, -1.0, 12.0, True),
    Region(
        "too_hot_for_too_long", "too hot for too long", 3.0 / 85.0, 1.0, -21.0, False
    ),
    Region("temperature_too_high", "temperature too high", 1.0, 0.0, -260.0, True),
    Region("duration_too_long", "duration too long", 0.0, 1.0, -15.0, True),
)
REGION_BY_KEY = {region.key: region for region in REGIONS}
# The three regions the lab's network needs to separate the good triangle.
PRIMARY_REGIONS = ("temperature_too_low", "duration_too_short", "too_hot_for_too_long")


def good_roast(t: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Return the ground-truth label (1 good, 0 bad) for temperatures ``t`` and durations ``d``."""
    t = np.asarray(t, dtype=float)
    d = np.asarray(d, dtype=float)
    # Written as the lab writes it, so that labels on the line match bit for bit.
    limit = -3 / (260 - 175) * t + 21
    good = (t > 175) & (t < 260) & (d > 12) & (d < 15) & (d <= limit)
    return good.astype(np.float64)


def load_coffee_data(
    seed: int = DEFAULT_DATA_SEED, samples: int = DEFAULT_SAMPLES
) -> tuple[np.ndarray, np.ndarray]:
    """Generate the lab's data set.

    Returns
    -------
    X : (samples, 2) temperature in °C, duration in minutes
    Y : (samples, 1) 1.0 for a good roast, 0.0 for a bad one
    """
    if not MIN_SAMPLES <= samples <= MAX_SAMPLES:
        raise ValueError(f"samples must be in {MIN_SAMPLES}…{MAX_SAMPLES}, got {samples}")
    rng = np.random.default_rng(seed)
    X = rng.random(samples * 2).reshape(-1, 2)
    X[:, 1] = X[:, 1] * 4 + 11.5
    X[:, 0] = X[:, 0] * (285 - 150) + 150
    Y = good_roast(X[:, 0], X[:, 1]).reshape(-1, 1)
    return X, Y


def normalization(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the per-column mean and population standard deviation, as Keras ``Normalization``."""
    return X.mean(axis=0), X.std(axis=0)


def domain_grid(resolution: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(t, d)`` flattened over a ``resolution × resolution`` grid of the domain."""
    t_axis = np.linspace(*TEMPERATURE_RANGE, resolution)
    d_axis = np.linspace(*DURATION_RANGE, resolution)
    t, d = np.meshgrid(t_axis, d_axis)
    return t.ravel(), d.ravel()


def outside_domain(t: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Tell, reading by reading, which lie outside the ranges the network was trained on."""
    return ((t < TEMPERATURE_RANGE[0]) | (t > TEMPERATURE_RANGE[1])
            | (d < DURATION_RANGE[0]) | (d > DURATION_RANGE[1]))


def in_domain(t: float, d: float) -> bool:
    """Tell whether a reading lies inside the ranges the network was trained on."""
    return (
        TEMPERATURE_RANGE[0] <= t <= TEMPERATURE_RANGE[1]
        and DURATION_RANGE[0] <= d <= DURATION_RANGE[1]
    )


def to_fahrenheit(celsius: float) -> float:
    """Return a temperature in °F."""
    return celsius * 9 / 5 + 32


def in_unit(celsius: float, unit: str) -> float:
    """Return a temperature in °F when ``unit`` is "F", else in °C as it is."""
    return to_fahrenheit(celsius) if unit == "F" else celsius


def to_celsius(fahrenheit: float) -> float:
    """Return a temperature in °C."""
    return (fahrenheit - 32) * 5 / 9

"""Neuron roles: which bad-roast region each hidden unit covers, read from the weights alone."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cache, cached_property

import numpy as np

from model.data import REGION_BY_KEY, REGIONS, domain_grid
from model.network import Network, sigmoid
from model.words import describe

AGREEMENT_MIN = 0.5  # intersection over union below which a unit covers no region clearly
EFFECT_MIN = 1.0  # log-odds: a unit whose push stays under this over the domain never matters
AXIS_RATIO = 3.0  # an unclear unit is axis-like when one normalised weight is 3× the other
ROLE_GRID = 100
UNIT_CHUNK = 32  # units scored together over the grid

# Roles that are not regions. A unit with a boundary that matters is "live": a region or unclear.
UNCLEAR, CONSTANT, INACTIVE = "unclear", "constant", "inactive"

_REGION_AXIS = {
    "temperature_too_low": "temperature",
    "temperature_too_high": "temperature",
    "duration_too_short": "duration",
    "duration_too_long": "duration",
    "too_hot_for_too_long": "diagonal",
}


@dataclass(frozen=True)
class Role:
    """What hidden unit ``neuron`` does, read from the weights alone.

    Its pre-activation is ``a_t * t + a_d * d + c`` in °C and minutes; it pushes the verdict
    towards bad on the side where ``sign * (a_t t + a_d d + c) > 0``. Its *push* on a reading is
    how far it holds the output log-odds below what it gives at its good extreme:
    ``|output_weight| * sigmoid(sign * z)``.
    """

    neuron: int
    region: str  # a region key, "unclear", "constant" or "inactive"
    agreement: float  # intersection over union of its bad side with the region, over the domain
    a_t: float
    a_d: float
    c: float
    output_weight: float
    sign: float  # +1: bad when active; -1: bad when inactive
    axis: str  # "temperature", "duration" or "diagonal": the variable its threshold is read in
    bad_above: bool  # bad above the threshold (for diagonal units: above the duration limit)
    steepness: float  # |gradient| of z in training standard deviations: distance = |z| / steepness
    push_range: tuple[float, float]  # smallest and largest push over the domain
    activation_range: tuple[float, float]  # over the domain
    description: str = ""

    @property
    def live(self) -> bool:
        """Tell whether the unit has a boundary that sways verdicts over the domain."""
        return self.region not in (CONSTANT, INACTIVE)

    @property
    def covers_region(self) -> bool:
        return self.region in REGION_BY_KEY

    @property
    def unclear(self) -> bool:
        return self.region == UNCLEAR

    @property
    def constant(self) -> bool:
        return self.region == CONSTANT

    @cached_property
    def sentence_forms(self) -> dict[tuple[str, bool, str, str, bool], str]:
        """The %-formats of this unit's reason sentences, by kind, as ``words.reason`` makes them."""
        return {}

    def threshold(self, t: float, d: float) -> float:
        """Return the threshold on this unit's axis at the reading's other variable."""
        if self.axis == "temperature":
            return -(self.a_d * d + self.c) / self.a_t
        return -(self.a_t * t + self.c) / self.a_d


@cache
def _region_masks(resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t, d = domain_grid(resolution)
    masks = np.stack([region.contains(t, d) for region in REGIONS])  # (R, G)
    return t, d, masks


def neuron_roles(net: Network) -> list[Role]:
    """Return the role of every hidden unit of ``net``."""
    t, d, _ = _region_masks(ROLE_GRID)
    a_t, a_d, c = net.boundaries()
    w2 = net.W2[:, 0]
    sign = np.where(w2 > 0, -1.0, 1.0)
    keys, agreement, push = unit_regions(a_t, a_d, c, w2)
    act = net.outputs(t, d).hidden
    roles = []
    for j in range(net.hidden_units):
        region = keys[j]
        axis = _REGION_AXIS.get(region) or _axis_of(net.W1[:, j])
        along = a_t[j] if axis == "temperature" else a_d[j]
        roles.append(Role(
            neuron=j, region=region, agreement=float(agreement[j]),
            a_t=float(a_t[j]), a_d=float(a_d[j]), c=float(c[j]), output_weight=float(w2[j]),
            sign=float(sign[j]), axis=axis, bad_above=bool(sign[j] * along > 0),
            steepness=math.hypot(*net.W1[:, j].tolist()), push_range=tuple(push[j].tolist()),
            activation_range=(float(act[:, j].min()), float(act[:, j].max())),
        ))
    return [replace(role, description=describe(role, net)) for role in roles]


def unit_regions(a_t: np.ndarray, a_d: np.ndarray, c: np.ndarray,
                 w2: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Return each unit's region key, agreement (K,) and push range (K, 2) over the domain.

    The units (K,) need not belong to one network: a whole training trajectory is read at once.
    Unit k's pre-activation is ``a_t[k] t + a_d[k] d + c[k]`` in °C and minutes.
    """
    t, d, region_masks = _region_masks(ROLE_GRID)
    points = np.stack([t, d, np.ones_like(t)], axis=1)  # (G, 3)
    counts = np.vstack([region_masks, np.ones_like(t, dtype=bool)]).astype(np.float32)  # (R + 1, G)
    sign = np.where(w2 > 0, -1.0, 1.0)
    coef = np.stack([a_t, a_d, c]) * sign  # (3, K): sign * z, exactly, since sign is ±1
    iou = np.empty((len(REGIONS), np.size(a_t)))
    z_range = np.empty((np.size(a_t), 2))
    for k in range(0, np.size(a_t), UNIT_CHUNK):  # a chunk's grid columns stay in the cache
        units = slice(k, k + UNIT_CHUNK)
        z = points @ coef[:, units]  # (G, k): sign * pre-activation
        both = counts @ (z > 0).astype(np.float32)  # (R + 1, k): counts, exact in float32
        inter, bad = both[:-1], both[-1]
        union = counts[:-1].sum(axis=1)[:, None] + bad - inter
        iou[:, units] = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
        z_range[units, 0], z_range[units, 1] = z.min(axis=0), z.max(axis=0)
    iou[~_compatible(sign * a_t, sign * a_d)] = 0.0
    best = np.argmax(iou, axis=0)
    score = iou[best, np.arange(best.size)]
    # sigmoid is monotone, so the push is least and greatest where sign * z is
    push = np.abs(w2)[:, None] * sigmoid(z_range)
    low, high = push[:, 0], push[:, 1]
    keys = [INACTIVE if hi < EFFECT_MIN else CONSTANT if hi - lo < EFFECT_MIN
            else UNCLEAR if s < AGREEMENT_MIN else REGIONS[b].key
            for lo, hi, s, b in zip(low.tolist(), high.tolist(), score.tolist(), best.tolist(),
                                    strict=True)]
    return keys, np.array([round(s, 4) for s in score.tolist()]), np.stack([low, high], axis=1)


def _compatible(bad_t: np.ndarray, bad_d: np.ndarray) -> np.ndarray:
    """Return (R, K): whether a bad side growing along (bad_t, bad_d) can be each region.

    Each variable the region's boundary depends on must move the unit the same way: a unit
    that ignores temperature cannot be "too hot for too long", whatever its overlap.
    """
    ok = np.ones((len(REGIONS), np.size(bad_t)), dtype=bool)
    for r, region in enumerate(REGIONS):
        for mine, theirs in ((bad_t, region.a_t), (bad_d, region.a_d)):
            if theirs:
                ok[r] &= np.sign(mine) == np.sign(theirs)
    return ok


def _axis_of(w: np.ndarray) -> str:
    wt, wd = abs(w[0]), abs(w[1])
    if wt >= AXIS_RATIO * wd:
        return "temperature"
    if wd >= AXIS_RATIO * wt:
        return "duration"
    return "diagonal"

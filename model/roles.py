"""Neuron roles: which bad-roast region each hidden unit covers, read from the weights alone."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cache

import numpy as np

from model.data import REGION_BY_KEY, REGIONS, domain_grid
from model.network import Network, sigmoid
from model.words import describe

AGREEMENT_MIN = 0.5  # intersection over union below which a unit covers no region clearly
EFFECT_MIN = 1.0  # log-odds: a unit whose push stays under this over the domain never matters
AXIS_RATIO = 3.0  # an unclear unit is axis-like when one normalised weight is 3× the other
ROLE_GRID = 100

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
    t, d, region_masks = _region_masks(ROLE_GRID)
    a_t, a_d, c = net.boundaries()
    w2 = net.W2[:, 0]
    z = np.multiply.outer(t, a_t) + np.multiply.outer(d, a_d) + c  # (G, H)
    sign = np.where(w2 > 0, -1.0, 1.0)
    act = sigmoid(z)
    push = np.abs(w2) * sigmoid(sign * z)
    roles = []
    for j in range(net.hidden_units):
        bad = sign[j] * z[:, j] > 0
        inter = (region_masks & bad).sum(axis=1)
        union = (region_masks | bad).sum(axis=1)
        iou = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
        iou[~_compatible(sign[j] * a_t[j], sign[j] * a_d[j])] = 0.0
        best = int(np.argmax(iou))
        low, high = float(push[:, j].min()), float(push[:, j].max())
        if high < EFFECT_MIN:
            region = INACTIVE
        elif high - low < EFFECT_MIN:
            region = CONSTANT
        elif iou[best] < AGREEMENT_MIN:
            region = UNCLEAR
        else:
            region = REGIONS[best].key
        axis = _REGION_AXIS.get(region) or _axis_of(net.W1[:, j])
        along = a_t[j] if axis == "temperature" else a_d[j]
        roles.append(Role(
            neuron=j, region=region, agreement=round(float(iou[best]), 4),
            a_t=float(a_t[j]), a_d=float(a_d[j]), c=float(c[j]), output_weight=float(w2[j]),
            sign=float(sign[j]), axis=axis, bad_above=bool(sign[j] * along > 0),
            steepness=math.hypot(*net.W1[:, j].tolist()), push_range=(low, high),
            activation_range=(float(act[:, j].min()), float(act[:, j].max())),
        ))
    return [replace(role, description=describe(role, net)) for role in roles]


def _compatible(bad_t: float, bad_d: float) -> np.ndarray:
    """Return, per region, whether a bad side growing along (bad_t, bad_d) can be that region.

    Each variable the region's boundary depends on must move the unit the same way: a unit
    that ignores temperature cannot be "too hot for too long", whatever its overlap.
    """
    ok = []
    for region in REGIONS:
        ok.append(all(np.sign(mine) == np.sign(theirs)
                      for mine, theirs in ((bad_t, region.a_t), (bad_d, region.a_d)) if theirs))
    return np.array(ok)


def _axis_of(w: np.ndarray) -> str:
    wt, wd = abs(w[0]), abs(w[1])
    if wt >= AXIS_RATIO * wd:
        return "temperature"
    if wd >= AXIS_RATIO * wt:
        return "duration"
    return "diagonal"

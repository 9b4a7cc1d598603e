"""Neuron roles: which bad-roast region each hidden unit covers, and how to say so in roast words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from model.data import REGION_BY_KEY, REGIONS, domain_grid
from model.network import Network, sigmoid

AGREEMENT_MIN = 0.5  # intersection over union below which a unit covers no region clearly
INACTIVE_EFFECT = 1.0  # a unit that moves the output logit less than this over the domain is idle
AXIS_RATIO = 3.0  # an unclear unit is axis-like when one normalised weight is 3× the other
ROLE_GRID = 100

# (axis, bad above the threshold?) -> words on the bad side, words on the good side
_WORDS = {
    ("temperature", False): ("temperature too low", "temperature high enough"),
    ("temperature", True): ("temperature too high", "temperature low enough"),
    ("duration", False): ("duration too short", "duration long enough"),
    ("duration", True): ("duration too long", "duration short enough"),
    ("diagonal", True): ("too hot for too long", "time and temperature in balance"),
    ("diagonal", False): ("too cool for too short", "time and temperature in balance"),
}
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
    towards bad on the side where ``sign * (a_t t + a_d d + c) > 0``.
    """

    neuron: int
    region: str  # a region key, "unclear" or "inactive"
    agreement: float  # intersection over union of its bad side with the region, over the domain
    a_t: float
    a_d: float
    c: float
    output_weight: float
    sign: float  # +1: bad when active; -1: bad when inactive
    axis: str  # "temperature", "duration" or "diagonal": the variable its threshold is read in
    bad_above: bool  # bad above the threshold (for diagonal units: above the duration limit)
    description: str

    @property
    def active(self) -> bool:
        return self.region != "inactive"

    @property
    def words(self) -> tuple[str, str]:
        """Return the phrases for this unit's bad side and its good side."""
        bad, good = _WORDS[(self.axis, self.bad_above)]
        if self.region in REGION_BY_KEY:
            bad = REGION_BY_KEY[self.region].words
        return bad, good

    def threshold(self, t: float, d: float) -> float:
        """Return the threshold on this unit's axis at the reading's other variable (nan if none)."""
        if self.axis == "temperature":
            return -(self.a_d * d + self.c) / self.a_t if self.a_t else float("nan")
        return -(self.a_t * t + self.c) / self.a_d if self.a_d else float("nan")


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
    z = np.outer(t, a_t) + np.outer(d, a_d) + c  # (G, H)
    act = sigmoid(z)
    effect = np.abs(w2) * (act.max(axis=0) - act.min(axis=0))
    roles = []
    for j in range(net.hidden_units):
        sign = -1.0 if w2[j] > 0 else 1.0
        bad = sign * z[:, j] > 0
        inter = (region_masks & bad).sum(axis=1)
        union = (region_masks | bad).sum(axis=1)
        iou = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
        best = int(np.argmax(iou))
        if effect[j] < INACTIVE_EFFECT or w2[j] == 0:
            region, agreement = "inactive", float(iou[best])
        elif iou[best] < AGREEMENT_MIN:
            region, agreement = "unclear", float(iou[best])
        else:
            region, agreement = REGIONS[best].key, float(iou[best])
        axis = _REGION_AXIS.get(region) or _axis_of(net.W1[:, j])
        weight = a_t[j] if axis == "temperature" else a_d[j]
        role = Role(
            neuron=j, region=region, agreement=round(agreement, 4),
            a_t=float(a_t[j]), a_d=float(a_d[j]), c=float(c[j]), output_weight=float(w2[j]),
            sign=sign, axis=axis, bad_above=bool(sign * weight > 0), description="",
        )
        roles.append(_with_description(role, net))
    return roles


def _axis_of(w: np.ndarray) -> str:
    wt, wd = abs(w[0]), abs(w[1])
    if wt >= AXIS_RATIO * wd:
        return "temperature"
    if wd >= AXIS_RATIO * wt:
        return "duration"
    return "diagonal"


def _with_description(role: Role, net: Network) -> Role:
    mean_t, mean_d = (float(v) for v in net.mean)
    bad, _ = role.words
    side = "above" if role.bad_above else "below"
    if role.region == "inactive":
        text = "inactive: nearly constant over the roast range, so it does not sway the verdict"
    elif role.axis == "temperature":
        th = role.threshold(mean_t, mean_d)
        text = (f"{bad}: signals a bad roast {side} {fmt(th, '°C')} "
                f"(at the mean duration of {fmt(mean_d, 'min')})")
    elif role.axis == "duration":
        th = role.threshold(mean_t, mean_d)
        text = (f"{bad}: signals a bad roast {side} {fmt(th, 'min')} "
                f"(at the mean temperature of {fmt(mean_t, '°C')})")
    else:
        slope, intercept = -role.a_t / role.a_d, -role.c / role.a_d
        text = (f"{bad}: signals a bad roast when the duration is {side} "
                f"{intercept:.2f} {'-' if slope < 0 else '+'} {abs(slope):.4f} × temperature "
                f"(for example {fmt(role.threshold(220.0, mean_d), 'min')} at 220 °C)")
    if role.region == "unclear":
        text = f"no clear bad-roast region (best agreement {role.agreement:.2f}); {text}"
    return Role(**{**role.__dict__, "description": text})


DIGITS = {"°C": 1, "min": 2}  # temperatures to 0.1 °C, durations to 0.01 min
INACTIVE_REASON = "inactive over the roast range: it does not sway the verdict"


def fmt(value: float, unit: str) -> str:
    """Format a temperature to 0.1 °C or a duration to 0.01 min."""
    return f"{value:.{DIGITS[unit]}f} {unit}"


def reason(role: Role, t: float, d: float) -> str:
    """Say in roast words why unit ``role`` does or does not signal a bad roast for (t, d)."""
    return reasons(role, (t,), (d,))[0]


def reasons(role: Role, ts: Sequence[float], ds: Sequence[float]) -> list[str]:
    """Return ``reason(role, t, d)`` for many readings; one tight loop, as batches need."""
    if not role.active:
        return [INACTIVE_REASON] * len(ts)
    a_t, a_d, c = role.a_t, role.a_d, role.c
    bad, good = role.words
    if role.axis == "temperature":
        if not a_t:
            return [role.description] * len(ts)
        out = []
        for t, d in zip(ts, ds, strict=True):
            th = -(a_d * d + c) / a_t
            over = t > th
            head = bad if over == role.bad_above else good
            out.append(f"{head}: {t:.1f} °C is {abs(t - th):.1f} °C {'over' if over else 'under'} "
                       f"this neuron's threshold of {th:.1f} °C")
        return out
    if not a_d:
        return [role.description] * len(ts)
    out = []
    diagonal = role.axis == "diagonal"
    for t, d in zip(ts, ds, strict=True):
        th = -(a_t * t + c) / a_d
        over = d > th
        head = bad if over == role.bad_above else good
        relation = "over" if over else "under"
        if diagonal:
            out.append(f"{head}: at {t:.1f} °C this neuron's duration limit is {th:.2f} min "
                       f"and {d:.2f} min is {abs(d - th):.2f} min {relation} it")
        else:
            out.append(f"{head}: {d:.2f} min is {abs(d - th):.2f} min {relation} "
                       f"this neuron's threshold of {th:.2f} min")
    return out

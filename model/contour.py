"""Following the decision boundary: Newton steps onto a contour of the output logit, and slides along it.

The steps are compiled, on the network as model/steering.py walks it: a slide evaluates it a few
dozen times. The flip search checks every point it gives with the served forward pass.
"""

from __future__ import annotations

import math

import numpy as np

from model.compiled import compiled
from model.data import VALID_DURATION_RANGE, VALID_TEMPERATURE_RANGE
from model.network import Network
from model.steering import edge, sigmoid, units_of

FLIP_STEP = 0.1  # training standard deviations: the flip grid's spacing and the longest Newton step
REFINE_ROUNDS = 12
NEWTON_STEPS = 12
ON_BOUNDARY = 1e-8  # log-odds from the threshold: a point this close is on the boundary
SETTLED = 1e-6  # sd: a slide that gains less than this per round has arrived
HALVINGS = 20  # a tangent step shrinks to a millionth before the slide stops
(T_LO, T_HI), (D_LO, D_HI) = VALID_TEMPERATURE_RANGE, VALID_DURATION_RANGE

Point = tuple[float, float]


class Contour:
    """The contours of one network's output logit, walked in training standard deviations."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.std = net.std.tolist()
        self.units, self.b2 = units_of(net), float(net.b2[0])  # as model/steering.py takes them
        self._st, self._sd = self.std

    def apart(self, t: float, d: float, t2: float, d2: float) -> float:
        """Return the distance between two readings in training standard deviations."""
        return math.hypot((t2 - t) / self.std[0], (d2 - d) / self.std[1])

    def slide(self, t: float, d: float, qt: float, qd: float, level: float) -> tuple[Point, Point]:
        """Slide along the contour at ``level`` from (qt, qd) towards the point nearest (t, d);
        return where the slide ended and (qt, qd), the nearer to (t, d) first.

        Each round steps along the contour's tangent by the reading's offset along it, then
        back onto the contour (Newton), halving the step until the distance shrinks. The
        start itself is the fallback where the slide fails (a flat or wild stretch).
        """
        t1, d1, t2, d2 = _slide(self.units, self.b2, self._st, self._sd, float(t), float(d),
                                float(qt), float(qd), float(level))
        return (t1, d1), (t2, d2)

    def onto(self, qt: float, qd: float, level: float) -> tuple[float, float, float, float] | None:
        """Newton steps from (qt, qd) onto the contour where the logit is ``level``; return the
        point and the gradient there, or None where they do not converge (a flat stretch).

        A step is at most FLIP_STEP sd long: in a sigmoid's tail the gradient is tiny, and a
        full Newton step would leap far past the contour.
        """
        landed, t, d, gt, gd = _onto(self.units, self.b2, self._st, self._sd, float(qt), float(qd),
                                     float(level))
        return (t, d, gt, gd) if landed else None

    def logit_and_gradient(self, t: float, d: float) -> tuple[float, float, float]:
        """Return the logit and its gradient in training standard deviations at one reading."""
        return _logit_and_gradient(self.units, self.b2, self._st, self._sd, float(t), float(d))


@compiled
def valid(t: float, d: float) -> bool:
    """Tell whether a reading lies in the valid input range."""
    return T_LO <= t <= T_HI and D_LO <= d <= D_HI


@compiled
def _logit_and_gradient(units: np.ndarray, b2: float, st: float, sd: float, t: float,
                        d: float) -> tuple[float, float, float]:
    """``steering.logit`` at (t, d), and its gradient per training sd."""
    z, gt, gd = b2, 0.0, 0.0
    for j in range(units.shape[0]):
        a_t, a_d, c, w2 = units[j, 0], units[j, 1], units[j, 2], units[j, 3]
        h = sigmoid(a_t * t + a_d * d + c)
        z += h * w2
        slope = w2 * h * (1.0 - h)
        gt += slope * a_t * st
        gd += slope * a_d * sd
    return z, gt, gd


@compiled
def _onto(units: np.ndarray, b2: float, st: float, sd: float, qt: float, qd: float,
          level: float) -> tuple[bool, float, float, float, float]:
    """``Contour.onto``, with a flag for whether it landed in front of the point and gradient."""
    stepped, bt, bd, bz = False, 0.0, 0.0, 0.0
    for _ in range(NEWTON_STEPS):
        z, gt, gd = _logit_and_gradient(units, b2, st, sd, qt, qd)
        norm2 = gt * gt + gd * gd
        if abs(z - level) <= ON_BOUNDARY and norm2 > 0:
            return True, qt, qd, gt, gd
        if stepped and (z > level) != (bz > level):
            return _between(units, b2, st, sd, bt, bd, bz, qt, qd, level)
        if norm2 == 0 or not math.isfinite(norm2):
            break
        step = (z - level) / norm2
        step *= min(1.0, FLIP_STEP / (abs(step) * math.sqrt(norm2)))
        stepped, bt, bd, bz = True, qt, qd, z
        qt, qd = qt - step * gt * st, qd - step * gd * sd
    return False, qt, qd, 0.0, 0.0


@compiled
def _between(units: np.ndarray, b2: float, st: float, sd: float, t0: float, d0: float, z0: float,
             t1: float, d1: float, level: float) -> tuple[bool, float, float, float, float]:
    """Find the contour between two readings on either side of it, by regula falsi."""
    up = 1.0 if z0 > level else -1.0  # the margin is >= 0 on the side of (t0, d0)
    tol = 1e-9 / max(math.hypot((t1 - t0) / st, (d1 - d0) / sd), 1e-9)
    s, _ = edge(units, b2, t0, d0, t1, d1, up, level, 0.0, 1.0, tol)
    qt, qd = t0 + s * (t1 - t0), d0 + s * (d1 - d0)
    _, gt, gd = _logit_and_gradient(units, b2, st, sd, qt, qd)
    return gt != 0.0 or gd != 0.0, qt, qd, gt, gd


@compiled
def _slide(units: np.ndarray, b2: float, st: float, sd: float, t: float, d: float, qt: float,
           qd: float, level: float) -> tuple[float, float, float, float]:
    """``Contour.slide``: the two points, the nearer to (t, d) first, as four floats."""
    best_t, best_d, best_distance = qt, qd, math.inf
    landed, bt, bd, gt, gd = _onto(units, b2, st, sd, qt, qd, level)
    if landed and valid(bt, bd):
        best_t, best_d, best_distance = bt, bd, math.hypot((t - bt) / st, (d - bd) / sd)
        for _ in range(REFINE_ROUNDS):
            norm = math.hypot(gt, gd)
            tt, td = -gd / norm, gt / norm  # unit tangent, in sd units
            s = (t - bt) / st * tt + (d - bd) / sd * td
            if abs(s) < SETTLED:
                break
            nearer, distance = False, math.inf
            for _ in range(HALVINGS):
                landed, bt, bd, gt, gd = _onto(units, b2, st, sd, best_t + s * tt * st,
                                               best_d + s * td * sd, level)
                if landed and valid(bt, bd):
                    distance = math.hypot((t - bt) / st, (d - bd) / sd)
                    if distance < best_distance:
                        nearer = True
                        break
                s *= 0.5
            if not nearer:
                break
            settled = best_distance - distance < SETTLED
            best_t, best_d, best_distance = bt, bd, distance
            if settled:
                break
    if best_distance <= math.hypot((t - qt) / st, (d - qd) / sd):
        return best_t, best_d, qt, qd
    return qt, qd, best_t, best_d

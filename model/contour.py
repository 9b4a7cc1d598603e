"""Following the decision boundary: Newton steps onto a contour of the output logit, and slides along it."""

from __future__ import annotations

import math

from model.data import VALID_DURATION_RANGE, VALID_TEMPERATURE_RANGE
from model.intervals import edge
from model.network import Network, sigmoid_near

FLIP_STEP = 0.1  # training standard deviations: the flip grid's spacing and the longest Newton step
REFINE_ROUNDS = 12
NEWTON_STEPS = 12
ON_BOUNDARY = 1e-8  # log-odds from the threshold: a point this close is on the boundary
SETTLED = 1e-6  # sd: a slide that gains less than this per round has arrived
HALVINGS = 20  # a tangent step shrinks to a millionth before the slide stops


class Contour:
    """The contours of one network's output logit, walked in training standard deviations."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.std = net.std.tolist()
        a_t, a_d, c = net.boundaries()
        self._units = list(zip(a_t.tolist(), a_d.tolist(), c.tolist(), net.W2[:, 0].tolist(), strict=True))
        self._b2 = float(net.b2[0])

    def apart(self, t: float, d: float, t2: float, d2: float) -> float:
        """Return the distance between two readings in training standard deviations."""
        return math.hypot((t2 - t) / self.std[0], (d2 - d) / self.std[1])

    def slide(self, t: float, d: float, qt: float, qd: float,
              level: float) -> tuple[tuple[float, float], tuple[float, float]]:
        """Slide along the contour at ``level`` from (qt, qd) towards the point nearest (t, d);
        return where the slide ended and (qt, qd), the nearer to (t, d) first.

        Each round steps along the contour's tangent by the reading's offset along it, then
        back onto the contour (Newton), halving the step until the distance shrinks. The
        start itself is the fallback where the slide fails (a flat or wild stretch).
        """
        st, sd = self.std
        start = best = (qt, qd)
        best_distance = math.inf
        q = self.onto(qt, qd, level)
        if q is not None and valid(q[0], q[1]):
            bt, bd, gt, gd = q
            best_distance = self.apart(t, d, bt, bd)
            best = (bt, bd)
            for _ in range(REFINE_ROUNDS):
                norm = math.hypot(gt, gd)
                tt, td = -gd / norm, gt / norm  # unit tangent, in sd units
                s = (t - bt) / st * tt + (d - bd) / sd * td
                if abs(s) < SETTLED:
                    break
                for _ in range(HALVINGS):
                    q = self.onto(bt + s * tt * st, bd + s * td * sd, level)
                    if q is not None and valid(q[0], q[1]):
                        distance = self.apart(t, d, q[0], q[1])
                        if distance < best_distance:
                            break
                    s *= 0.5
                else:
                    break
                bt, bd, gt, gd = q
                settled = best_distance - distance < SETTLED
                best, best_distance = (bt, bd), distance
                if settled:
                    break
        start_distance = self.apart(t, d, *start)
        first, second = (best, start) if best_distance <= start_distance else (start, best)
        return first, second

    def onto(self, qt: float, qd: float, level: float) -> tuple[float, float, float, float] | None:
        """Newton steps from (qt, qd) onto the contour where the logit is ``level``; return the
        point and the gradient there, or None where they do not converge (a flat stretch).

        A step is at most FLIP_STEP sd long: in a sigmoid's tail the gradient is tiny, and a
        full Newton step would leap far past the contour.
        """
        st, sd = self.std
        before = None
        for _ in range(NEWTON_STEPS):
            z, gt, gd = self.logit_and_gradient(qt, qd)
            norm2 = gt * gt + gd * gd
            if abs(z - level) <= ON_BOUNDARY and norm2 > 0:
                return qt, qd, gt, gd
            if before is not None and (z > level) != (before[2] > level):
                return self._between(before, (qt, qd), level)
            if norm2 == 0 or not math.isfinite(norm2):
                return None
            step = (z - level) / norm2
            step *= min(1.0, FLIP_STEP / (abs(step) * math.sqrt(norm2)))
            before = (qt, qd, z)
            qt, qd = qt - step * gt * st, qd - step * gd * sd
        return None


    def _between(self, before: tuple[float, float, float], after: tuple[float, float],
                 level: float) -> tuple[float, float, float, float] | None:
        """Find the contour between two readings on either side of it, by regula falsi."""
        (t0, d0, z0), (t1, d1) = before, after
        up = 1.0 if z0 > level else -1.0

        def margin(s: float) -> float:  # >= 0 on the side of ``before``
            return up * (self.net.logit_at(t0 + s * (t1 - t0), d0 + s * (d1 - d0)) - level)

        length = self.apart(t0, d0, t1, d1)
        s = edge(margin, 0.0, 1.0, 1e-9 / max(length, 1e-9))
        qt, qd = t0 + s * (t1 - t0), d0 + s * (d1 - d0)
        _, gt, gd = self.logit_and_gradient(qt, qd)
        return (qt, qd, gt, gd) if gt or gd else None


    def logit_and_gradient(self, t: float, d: float) -> tuple[float, float, float]:
        """Return the logit and its gradient in training standard deviations at one reading.

        By ``sigmoid_near``: the Newton steps only steer (to ON_BOUNDARY, far above an ulp), and
        every flip found is checked with the served forward pass before it is given.
        """
        z, gt, gd = self._b2, 0.0, 0.0
        st, sd = self.std
        for a_t, a_d, c, w2 in self._units:  # Network.outputs_at's arithmetic, in its order
            h = sigmoid_near(a_t * t + a_d * d + c)
            z += h * w2
            slope = w2 * h * (1.0 - h)
            gt += slope * a_t * st
            gd += slope * a_d * sd
        return z, gt, gd


def valid(t: float, d: float) -> bool:
    """Tell whether a reading lies in the valid input range."""
    (t_lo, t_hi), (d_lo, d_hi) = VALID_TEMPERATURE_RANGE, VALID_DURATION_RANGE
    return t_lo <= t <= t_hi and d_lo <= d <= d_hi

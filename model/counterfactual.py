"""Counterfactuals: every good interval along one input, and the nearest reading with the other verdict.

Both search the whole valid input range (0–500 °C, 0–120 min), not only the training range.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from model.data import VALID_DURATION_RANGE, VALID_TEMPERATURE_RANGE
from model.network import Network

SPANS = {"temperature": VALID_TEMPERATURE_RANGE, "duration": VALID_DURATION_RANGE}
WINDOW_SAMPLES = 201  # evenly spaced readings along an axis, 2.5 °C and 0.6 min apart
# Extra readings across each unit's transition, in units of its pre-activation: a narrow good
# interval can only open where some unit changes.
TRANSITION = np.linspace(-12.0, 12.0, 25)
EDGE_TOL = {"temperature": 1e-3, "duration": 1e-4}  # °C, minutes: ten times finer than promised
_EVEN = {axis: np.linspace(*span, WINDOW_SAMPLES) for axis, span in SPANS.items()}
FLAT = 1e-9  # a unit whose pre-activation moves less than this over the range has no boundary
FLIP_STEP = 0.1  # training standard deviations between the readings of the flip grid
FLIP_MARGIN = 1e-6  # log-odds: a flip lies at least this far past the threshold
# How far off a unit's line to look: in its own pre-activation (a steep unit turns within a
# small fraction of a sd), and in sd.
Z_OFFSETS = np.array([1e-6, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
SD_OFFSETS = np.array([1e-3, 5e-3])
COMPASS = np.array([[np.cos(a), np.sin(a)] for a in np.arange(8) * np.pi / 4])
STEEP = 200.0  # per sd: a unit this steep is a step to the flip search
BRANCH_APART = 0.3  # sd: a second start this far from the first may lie on another branch
REFINE_ROUNDS = 12
NEWTON_STEPS = 12
ON_BOUNDARY = 1e-8  # log-odds from the threshold: a point this close is on the boundary
SETTLED = 1e-6  # sd: a slide that gains less than this per round has arrived
HALVINGS = 20  # a tangent step shrinks to a millionth before the slide stops
GOLDEN = (math.sqrt(5) - 1) / 2


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def good_intervals(net: Network, t: float, d: float,
                   threshold: float) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Return every [lo, hi] of temperatures (at duration d) and of durations (at temperature t),
    over the valid range, that make a good roast; edges within EDGE_TOL of the crossing."""
    a_t, a_d, c = net.boundaries()
    scans = []
    for axis, row, held in (("temperature", 0, d), ("duration", 1, t)):
        lo, hi = SPANS[axis]
        along, across = (a_t, a_d) if row == 0 else (a_d, a_t)
        fixed = (across * held + c).tolist()
        values = [_EVEN[axis]]
        for s, f in zip(along.tolist(), fixed, strict=True):
            if abs(s) * (hi - lo) > FLAT:  # a unit that changes along this axis at all
                values.append(-f / s + TRANSITION / abs(s))
        scans.append(np.sort(np.clip(np.concatenate(values), lo, hi)))
    vt, vd = scans
    cut = logit(threshold)
    z = net.outputs(np.concatenate([vt, np.full(vd.size, t)]),
                    np.concatenate([np.full(vt.size, d), vd])).z2  # one pass for both scans
    out = []
    for v, zs, margin, tol in ((vt, z[:vt.size], lambda x: net.logit_at(x, d) - cut, EDGE_TOL["temperature"]),
                               (vd, z[vt.size:], lambda x: net.logit_at(t, x) - cut, EDGE_TOL["duration"])):
        v, good = _peaks(v, zs >= cut, zs, margin)
        out.append(_runs(v, good, margin, tol))
    return out[0], out[1]


def _peaks(v: np.ndarray, good: np.ndarray, z: np.ndarray,
           margin: Callable[[float], float]) -> tuple[np.ndarray, np.ndarray]:
    """Add the top of every bad bump between samples that rises past the threshold.

    Two units turning the opposite ways can leave a good interval narrower than the samples
    across either transition; it holds the maximum of the logit between them.
    """
    rise = 1e-9 * (1.0 + np.abs(z[1:-1]))  # not the rounding noise of a plateau
    bumps = np.flatnonzero((z[1:-1] - z[:-2] > rise) & (z[1:-1] - z[2:] > -rise) & ~good[1:-1]) + 1
    found = []
    for i in bumps.tolist():
        a, b = float(v[i - 1]), float(v[i + 1])
        m1, m2 = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
        f1, f2 = margin(m1), margin(m2)
        for _ in range(40):  # golden-section search for the maximum on [a, b]
            if f1 >= f2:
                b, m2, f2 = m2, m1, f1
                m1 = b - GOLDEN * (b - a)
                f1 = margin(m1)
            else:
                a, m1, f1 = m1, m2, f2
                m2 = a + GOLDEN * (b - a)
                f2 = margin(m2)
        top, f = (m1, f1) if f1 >= f2 else (m2, f2)
        if f >= 0:
            found.append(top)
    if not found:
        return v, good
    order = np.argsort(np.concatenate([v, found]), kind="stable")
    return (np.concatenate([v, found])[order],
            np.concatenate([good, np.ones(len(found), dtype=bool)])[order])


def _runs(v: np.ndarray, good: np.ndarray, margin: Callable[[float], float],
          tol: float) -> list[tuple[float, float]]:
    """Return the runs of good samples, each edge refined between its sample and the next."""
    changes = (np.flatnonzero(good[1:] != good[:-1]) + 1).tolist()
    first, last = bool(good[0]), bool(good[-1])
    if not (changes or first):
        return []
    # runs begin where the verdict turns good and end before it turns bad again
    starts = ([0] if first else []) + changes[(0 if not first else 1)::2]
    ends = [c - 1 for c in changes[(1 if not first else 0)::2]] + ([len(good) - 1] if last else [])
    values = v.tolist()
    out = []
    for i, j in zip(starts, ends, strict=True):
        a = values[i] if i == 0 else edge(margin, values[i], values[i - 1], tol)
        b = values[j] if j == len(values) - 1 else edge(margin, values[j], values[j + 1], tol)
        out.append((float(a), float(b)))
    return out


def edge(margin: Callable[[float], float], a: float, b: float, tol: float) -> float:
    """Return a point within tol of where margin crosses zero between a (inside) and b (outside).

    Inside means margin >= 0. The point returned is inside unless the margin there has fallen
    below zero by rounding alone. Regula falsi with the Illinois rule: a handful of evaluations
    where bisection needs twenty.
    """
    fa, fb = margin(a), margin(b)
    if fa < 0:  # the sampled verdict and this evaluation disagree in the last bit: a is the edge
        return a
    kept = 0  # which end survived the last step: -1 the outside end, +1 the inside end
    for _ in range(100):
        if abs(b - a) <= tol:
            break
        m = b - fb * (b - a) / (fb - fa) if fb != fa else 0.5 * (a + b)
        if not min(a, b) < m < max(a, b):
            m = 0.5 * (a + b)
        fm = margin(m)
        if fm >= 0:
            a, fa = m, fm
            if kept == -1:
                fb *= 0.5
            kept = -1
        else:
            b, fb = m, fm
            if kept == 1:
                fa *= 0.5
            kept = 1
    return a


class FlipSearch:
    """The decision boundary of one model at one threshold, sampled over the valid range.

    Built once: a grid FLIP_STEP standard deviations apart, and the points where its verdict
    changes between neighbours. A reading's nearest flip starts from the nearest of those.
    """

    def __init__(self, net: Network, threshold: float) -> None:
        self.net, self.threshold, self.cut = net, threshold, logit(threshold)
        self.std = net.std.tolist()
        t_axis = _axis(VALID_TEMPERATURE_RANGE, FLIP_STEP * self.std[0])
        d_axis = _axis(VALID_DURATION_RANGE, FLIP_STEP * self.std[1])
        t, d = np.meshgrid(t_axis, d_axis)  # rows by duration
        _, _, z2, p = net.outputs(t.ravel(), d.ravel())
        z2, good = z2.reshape(t.shape), p.reshape(t.shape) >= threshold
        # For each wanted verdict: the grid readings that have it by FLIP_MARGIN, and the points
        # where that contour crosses between neighbours.
        self._samples = {}
        for want_good, level in ((True, self.cut + FLIP_MARGIN), (False, self.cut - FLIP_MARGIN)):
            flipped = (good & (z2 >= level)) if want_good else (~good & (z2 <= level))
            points = _crossings(t, d, z2 - level, flipped)
            self._samples[want_good] = (points, points / net.std)
        # Each unit's boundary n·u + c = 0 in training sd units u, and where two of them cross.
        a_t, a_d, c = net.boundaries()
        normals = [np.array([a_t[j], a_d[j]]) * net.std for j in range(len(c))]
        self._units = list(zip(a_t.tolist(), a_d.tolist(), net.W2[:, 0].tolist(), strict=True))
        self._lines = [(n, float(cj)) for n, cj in zip(normals, c.tolist(), strict=True)
                       if math.hypot(*n.tolist()) > FLAT]
        # Where a unit turns from off to on within STEEP sd, Newton's steps lose their way.
        self._steep = any(math.hypot(*n.tolist()) > STEEP for n, _ in self._lines)

        def offsets(norm: float) -> np.ndarray:
            one_side = np.concatenate([Z_OFFSETS / norm, SD_OFFSETS])
            return np.concatenate([-one_side, one_side])

        self._offsets = [offsets(math.hypot(*n.tolist())) for n, _ in self._lines]
        self._corners, self._corner_offsets = [], []
        for i, ((a1, b1), c1) in enumerate((n.tolist(), cj) for n, cj in self._lines):
            for (a2, b2), c2 in ((n.tolist(), cj) for n, cj in self._lines[i + 1:]):
                det = a1 * b2 - b1 * a2
                if abs(det) > 1e-9 * math.hypot(a1, b1) * math.hypot(a2, b2):
                    self._corners.append(np.array([(-c1 * b2 + c2 * b1) / det, (-a1 * c2 + a2 * c1) / det]))
                    self._corner_offsets.append(offsets(max(math.hypot(a1, b1), math.hypot(a2, b2))))

    def nearest(self, t: float, d: float, good: bool) -> tuple[float, float, float] | None:
        """Return (t, d, distance in sd) of the nearest reading with the other verdict, or None."""
        points, scaled = self._samples[not good]
        if not len(points):
            return None
        here = np.array([t / self.std[0], d / self.std[1]])
        dist = ((scaled - here) ** 2).sum(axis=1)
        starts = [int(np.argmin(dist))]
        # the nearest sample on another stretch of the boundary, if one is almost as near
        apart = ((scaled - scaled[starts[0]]) ** 2).sum(axis=1) > BRANCH_APART ** 2
        if apart.any():
            other = np.flatnonzero(apart)[np.argmin(dist[apart])]
            if dist[other] <= (math.sqrt(dist[starts[0]]) + FLIP_STEP) ** 2:  # a near tie
                starts.append(int(other))
        best = None
        for i in starts:
            qt, qd = points[i].tolist()
            found = self._refine(t, d, qt, qd, not good)
            if found is not None and (best is None or found[2] < best[2]):
                best = found
        if best is None or self._steep:
            found = self._on_unit_lines(t, d, not good)
            if found is not None and (best is None or found[2] < best[2]):
                best = found
        if best is None:
            return None
        best = self._shrink(t, d, best, not good)
        # The margin dwarfs any rounding, but the verdict clients see is the served forward pass.
        sign = -1.0 if good else 1.0
        for _ in range(5):
            if best is None or self._confirmed(best[0], best[1], sign):
                return best
            best = self._past(t, d, best[0], best[1], sign)
        return None

    def _apart(self, t: float, d: float, t2: float, d2: float) -> float:
        """Return the distance between two readings in training standard deviations."""
        return math.hypot((t2 - t) / self.std[0], (d2 - d) / self.std[1])

    def _shrink(self, t: float, d: float, found: tuple[float, float, float],
                want_good: bool) -> tuple[float, float, float]:
        """Move a flip back along the line to the reading while the verdict stays flipped: where
        the walk stopped at the edge of the valid range, this finds the crossing on it."""
        ft, fd, _ = found
        sign = 1.0 if want_good else -1.0

        def margin(s: float) -> float:  # >= 0 where the verdict is flipped
            return sign * (self.net.logit_at(t + s * (ft - t), d + s * (fd - d)) - self.cut) - FLIP_MARGIN

        s = edge(margin, 1.0, 0.0, 1e-6 / max(found[2], 1e-6))  # a millionth of a sd
        if s >= 1.0:
            return found
        nearer = self._past(t, d, t + s * (ft - t), d + s * (fd - d), sign)
        return nearer if nearer is not None and nearer[2] < found[2] else found

    def _on_unit_lines(self, t: float, d: float, want_good: bool) -> tuple[float, float, float] | None:
        """Return the nearest flip among readings just off the units' boundary lines: the feet of
        the perpendiculars from the reading and the lines' crossings.

        Where units are steep the boundary is made of pieces of their lines, and Newton steps
        find no gradient to follow; these readings cover that case.
        """
        here = np.array([t / self.std[0], d / self.std[1]])
        points = []
        for (n, c), offsets in zip(self._lines, self._offsets, strict=True):
            foot = here - (n @ here + c) * n / (n @ n)
            points.append(foot + np.multiply.outer(offsets, n / math.sqrt(n @ n)))
        for corner, offsets in zip(self._corners, self._corner_offsets, strict=True):
            points.append(corner + np.multiply.outer(offsets, COMPASS).reshape(-1, 2))
        if not points:
            return None
        p = np.concatenate(points) * self.std
        (t_lo, t_hi), (d_lo, d_hi) = VALID_TEMPERATURE_RANGE, VALID_DURATION_RANGE
        inside = (p[:, 0] >= t_lo) & (p[:, 0] <= t_hi) & (p[:, 1] >= d_lo) & (p[:, 1] <= d_hi)
        p = p[inside]
        _, _, z2, proba = self.net.outputs(p[:, 0], p[:, 1])
        sign = 1.0 if want_good else -1.0
        flipped = ((proba >= self.threshold) == want_good) & (sign * (z2 - self.cut) >= FLIP_MARGIN)
        if not flipped.any():
            return None
        p = p[flipped]
        distance = np.hypot((p[:, 0] - t) / self.std[0], (p[:, 1] - d) / self.std[1])
        i = int(np.argmin(distance))
        return float(p[i, 0]), float(p[i, 1]), float(distance[i])

    def _refine(self, t: float, d: float, qt: float, qd: float,
                want_good: bool) -> tuple[float, float, float] | None:
        """Slide along the boundary from a sample towards the point nearest the reading.

        Each round steps along the boundary's tangent by the reading's offset along it, then
        back onto the boundary (Newton), halving the step until the distance shrinks. The
        sample itself is the fallback where the slide fails (a flat or wild stretch).
        """
        st, sd = self.std
        sign = 1.0 if want_good else -1.0
        start = best = (qt, qd)
        best_distance = math.inf
        level = self.cut + sign * FLIP_MARGIN
        q = self._onto_boundary(qt, qd, level)
        if q is not None and _valid(q[0], q[1]):
            bt, bd, gt, gd = q
            best_distance = self._apart(t, d, bt, bd)
            best = (bt, bd)
            for _ in range(REFINE_ROUNDS):
                norm = math.hypot(gt, gd)
                tt, td = -gd / norm, gt / norm  # unit tangent, in sd units
                s = (t - bt) / st * tt + (d - bd) / sd * td
                if abs(s) < SETTLED:
                    break
                for _ in range(HALVINGS):
                    q = self._onto_boundary(bt + s * tt * st, bd + s * td * sd, level)
                    if q is not None and _valid(q[0], q[1]):
                        distance = self._apart(t, d, q[0], q[1])
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
        start_distance = self._apart(t, d, *start)
        first, second = (best, start) if best_distance <= start_distance else (start, best)
        return self._past(t, d, *first, sign) or self._past(t, d, *second, sign)

    def _onto_boundary(self, qt: float, qd: float,
                       level: float) -> tuple[float, float, float, float] | None:
        """Newton steps from (qt, qd) onto the contour where the logit is ``level``; return the
        point and the gradient there, or None where they do not converge (a flat stretch).

        A step is at most FLIP_STEP sd long: in a sigmoid's tail the gradient is tiny, and a
        full Newton step would leap far past the contour.
        """
        st, sd = self.std
        before = None
        for _ in range(NEWTON_STEPS):
            z, gt, gd = self._logit_and_gradient(qt, qd)
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

        length = self._apart(t0, d0, t1, d1)
        s = edge(margin, 0.0, 1.0, 1e-9 / max(length, 1e-9))
        qt, qd = t0 + s * (t1 - t0), d0 + s * (d1 - d0)
        _, gt, gd = self._logit_and_gradient(qt, qd)
        return (qt, qd, gt, gd) if gt or gd else None

    def _logit_and_gradient(self, t: float, d: float) -> tuple[float, float, float]:
        """Return the logit and its gradient in training standard deviations at one reading."""
        _, hidden, z, _ = self.net.outputs_at(t, d)
        gt, gd = 0.0, 0.0
        st, sd = self.std
        for h, (a_t, a_d, w2) in zip(hidden, self._units, strict=True):
            slope = w2 * h * (1.0 - h)
            gt += slope * a_t * st
            gd += slope * a_d * sd
        return z, gt, gd

    def _past(self, t: float, d: float, qt: float, qd: float,
              sign: float) -> tuple[float, float, float] | None:
        """Step from a point near the boundary, away from the reading, until it is FLIP_MARGIN past."""
        (t_lo, t_hi), (d_lo, d_hi) = VALID_TEMPERATURE_RANGE, VALID_DURATION_RANGE
        dt, dd = qt - t, qd - d
        length = self._apart(t, d, qt, qd)
        if length == 0:
            return None
        eps = 1e-10
        for _ in range(30):
            ft = min(max(qt + eps * dt / length, t_lo), t_hi)
            fd = min(max(qd + eps * dd / length, d_lo), d_hi)
            if sign * (self.net.logit_at(ft, fd) - self.cut) >= FLIP_MARGIN:
                return ft, fd, self._apart(t, d, ft, fd)
            eps *= 4.0
        return None

    def _confirmed(self, t: float, d: float, sign: float) -> bool:
        """Check the flip with the served forward pass, so that it is the verdict clients see."""
        return (self.net.outputs_at(t, d)[3] >= self.threshold) == (sign > 0)


def _crossings(t: np.ndarray, d: np.ndarray, margin: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Return the grid readings inside, next to one outside, and the linearly interpolated
    crossings of ``margin`` between such neighbours: (M, 2) readings."""
    points = []
    for axis in (0, 1):  # neighbours along duration, then along temperature
        g0, g1 = (inside[:-1], inside[1:]) if axis == 0 else (inside[:, :-1], inside[:, 1:])
        rows, cols = np.nonzero(g0 != g1)
        r1, c1 = (rows + 1, cols) if axis == 0 else (rows, cols + 1)
        m0, m1 = margin[rows, cols], margin[r1, c1]
        w = np.clip(m0 / np.where(m0 == m1, 1.0, m0 - m1), 0.0, 1.0)
        t0, d0, t1, d1 = t[rows, cols], d[rows, cols], t[r1, c1], d[r1, c1]
        first = inside[rows, cols]
        points += [np.stack([np.where(first, t0, t1), np.where(first, d0, d1)], axis=1),
                   np.stack([t0 + w * (t1 - t0), d0 + w * (d1 - d0)], axis=1)]
    return np.concatenate(points)


def _valid(t: float, d: float) -> bool:
    (t_lo, t_hi), (d_lo, d_hi) = VALID_TEMPERATURE_RANGE, VALID_DURATION_RANGE
    return t_lo <= t <= t_hi and d_lo <= d <= d_hi


def _axis(span: tuple[float, float], step: float) -> np.ndarray:
    n = int(math.ceil((span[1] - span[0]) / step)) + 1
    return np.linspace(span[0], span[1], n)

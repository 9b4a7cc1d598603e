"""The nearest flip: the nearest reading, in training standard deviations, with the other verdict.

It searches the whole valid input range (0–500 °C, 0–120 min), not only the training range.
"""

from __future__ import annotations

import math

import numpy as np

from model.compiled import compiled
from model.contour import FLIP_STEP, Contour
from model.data import VALID_DURATION_RANGE, VALID_TEMPERATURE_RANGE
from model.network import FLAT, Network, logit
from model.steering import edge

FLIP_MARGIN = 1e-6  # log-odds: a flip lies at least this far past the threshold
# How far off a unit's line to look: in its own pre-activation (a steep unit turns within a
# small fraction of a sd), and in sd.
Z_OFFSETS = np.array([1e-6, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
SD_OFFSETS = np.array([1e-3, 5e-3])
COMPASS = np.array([[np.cos(a), np.sin(a)] for a in np.arange(8) * np.pi / 4])
STEEP = 200.0  # per sd: a unit this steep is a step to the flip search
# Grid readings at most: the lab's normalisation asks 134,000 (FLIP_STEP sd apart); a model
# trained on a far narrower spread would ask billions.
MAX_GRID = 250_000
BRANCH_APART = 0.3  # sd: a second start this far from the first may lie on another branch
Windows = tuple[list[tuple[float, float]], list[tuple[float, float]]]  # good intervals along t, d


class FlipSearch:
    """The decision boundary of one model at one threshold, sampled over the valid range.

    Built once: a grid FLIP_STEP standard deviations apart (coarser where that would take more
    than MAX_GRID readings), and the points where its verdict changes between neighbours. A
    reading's nearest flip starts from the nearest of those.
    """

    def __init__(self, net: Network, threshold: float) -> None:
        self.net, self.threshold, self.cut = net, threshold, logit(threshold)
        self.std = net.std.tolist()
        t_step, d_step = FLIP_STEP * self.std[0], FLIP_STEP * self.std[1]
        wanted = _points(VALID_TEMPERATURE_RANGE, t_step) * _points(VALID_DURATION_RANGE, d_step)
        if wanted > MAX_GRID:  # a narrow training spread: a coarser grid (in sd), not gigabytes
            t_step, d_step = (step * math.sqrt(wanted / MAX_GRID) for step in (t_step, d_step))
        t_axis = _axis(VALID_TEMPERATURE_RANGE, t_step)
        d_axis = _axis(VALID_DURATION_RANGE, d_step)
        t, d = np.meshgrid(t_axis, d_axis)  # rows by duration
        _, _, z2, p = net.outputs(t.ravel(), d.ravel())
        z2, good = z2.reshape(t.shape), p.reshape(t.shape) >= threshold
        # For each wanted verdict: the grid readings that have it by FLIP_MARGIN, and the points
        # where that contour crosses between neighbours.
        self._samples = {}
        for want_good, level in ((True, self.cut + FLIP_MARGIN), (False, self.cut - FLIP_MARGIN)):
            flipped = (good & (z2 >= level)) if want_good else (~good & (z2 <= level))
            points = _crossings(t, d, z2 - level, flipped)
            scaled = points / net.std  # in sd, by column: distances come from two flat arrays
            self._samples[want_good] = (points, scaled[:, 0].copy(), scaled[:, 1].copy())
        # Each unit's boundary n·u + c = 0 in training sd units u, and where two of them cross.
        a_t, a_d, c = net.boundaries()
        normals = [np.array([a_t[j], a_d[j]]) * net.std for j in range(len(c))]
        self._contour = Contour(net)
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

    def nearest(self, t: float, d: float, good: bool,
                windows: Windows | None = None) -> tuple[float, float, float] | None:
        """Return (t, d, distance in sd) of the nearest reading with the other verdict, or None.

        ``windows``, the good intervals through the reading (``model.intervals``), add the
        crossings along both axes as candidates: they find a stretch of the other verdict too
        narrow for the grid, and bound the search where its walk along the boundary strays.
        """
        t, d = float(t), float(d)  # the compiled steps take floats (an int would compile anew)
        points, st, sd = self._samples[not good]
        best = None
        if len(points):
            first, other = _starts(st, sd, t / self.std[0], d / self.std[1])
            for i in [first] if other < 0 else [first, other]:
                qt, qd = points[i].tolist()
                found = self._refine(t, d, qt, qd, not good)
                if found is not None and (best is None or found[2] < best[2]):
                    best = found
        if best is None or self._steep:
            found = self._on_unit_lines(t, d, not good)
            if found is not None and (best is None or found[2] < best[2]):
                best = found
        if best is not None:
            best = self._shrink(t, d, best, not good)
        sign = -1.0 if good else 1.0
        for qt, qd in _crossings_on_axes(t, d, good, windows) if windows is not None else ():
            if best is None or self._contour.apart(t, d, qt, qd) < best[2]:  # else it cannot be nearer
                found = self._past(t, d, qt, qd, sign)
                if found is not None and (best is None or found[2] < best[2]):
                    best = self._shrink(t, d, found, not good)
        if best is None:
            return None
        # The margin dwarfs any rounding, but the verdict clients see is the served forward pass.
        for _ in range(5):
            if best is None or self._confirmed(best[0], best[1], sign):
                return best
            best = self._past(t, d, best[0], best[1], sign)
        return None

    def _shrink(self, t: float, d: float, found: tuple[float, float, float],
                want_good: bool) -> tuple[float, float, float]:
        """Move a flip back along the line to the reading while the verdict stays flipped: where
        the walk stopped at the edge of the valid range, this finds the crossing on it."""
        ft, fd, _ = found
        sign = 1.0 if want_good else -1.0
        # s = 1 at the flip, 0 at the reading; inside, the verdict is flipped by FLIP_MARGIN
        s, _ = edge(self._contour.units, self._contour.b2, t, d, ft, fd, sign, self.cut + sign * FLIP_MARGIN,
                    1.0, 0.0, 1e-6 / max(found[2], 1e-6))  # a millionth of a sd
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
        """Slide along the boundary from a sample towards the point nearest the reading, and
        step past it; the sample itself where the slide fails."""
        sign = 1.0 if want_good else -1.0
        first, second = self._contour.slide(t, d, qt, qd, self.cut + sign * FLIP_MARGIN)
        return self._past(t, d, *first, sign) or self._past(t, d, *second, sign)

    def _past(self, t: float, d: float, qt: float, qd: float,
              sign: float) -> tuple[float, float, float] | None:
        """Step from a point near the boundary, away from the reading, until it is FLIP_MARGIN past."""
        (t_lo, t_hi), (d_lo, d_hi) = VALID_TEMPERATURE_RANGE, VALID_DURATION_RANGE
        dt, dd = qt - t, qd - d
        length = self._contour.apart(t, d, qt, qd)
        if length == 0:
            return None
        eps = 1e-10
        for _ in range(30):
            ft = min(max(qt + eps * dt / length, t_lo), t_hi)
            fd = min(max(qd + eps * dd / length, d_lo), d_hi)
            if sign * (self.net.logit_at(ft, fd) - self.cut) >= FLIP_MARGIN:
                return ft, fd, self._contour.apart(t, d, ft, fd)
            eps *= 4.0
        return None

    def _confirmed(self, t: float, d: float, sign: float) -> bool:
        """Check the flip with the served forward pass, so that it is the verdict clients see."""
        return (self.net.outputs_at(t, d)[3] >= self.threshold) == (sign > 0)


@compiled
def _starts(st: np.ndarray, sd: np.ndarray, t: float, d: float) -> tuple[int, int]:
    """Return the sample nearest (t, d), all in sd, and the nearest sample on another stretch of
    the boundary (BRANCH_APART from the first) if it is almost as near, or -1."""
    first, nearest = 0, math.inf
    for i in range(st.shape[0]):
        distance = (st[i] - t) ** 2 + (sd[i] - d) ** 2
        if distance < nearest:
            first, nearest = i, distance
    other, near = -1, math.inf
    for i in range(st.shape[0]):
        distance = (st[i] - t) ** 2 + (sd[i] - d) ** 2
        if (st[i] - st[first]) ** 2 + (sd[i] - sd[first]) ** 2 > BRANCH_APART ** 2 and distance < near:
            other, near = i, distance
    if other >= 0 and near <= (math.sqrt(nearest) + FLIP_STEP) ** 2:  # a near tie
        return first, other
    return first, -1


def _crossings_on_axes(t: float, d: float, good: bool, windows: Windows) -> list[tuple[float, float]]:
    """Return where the verdict changes along each axis through (t, d), nearest the reading: the
    ends of the good interval holding a good reading (inside the valid range), or the nearer
    end of the good intervals on either side of a bad one."""
    points = []
    for axis, (runs, x, (lo_end, hi_end)) in enumerate(
            ((windows[0], t, VALID_TEMPERATURE_RANGE), (windows[1], d, VALID_DURATION_RANGE))):
        if good:
            ends = [end for lo, hi in runs if lo <= x <= hi for end in (lo, hi) if lo_end < end < hi_end]
        else:
            below, above = [hi for _, hi in runs if hi < x], [lo for lo, _ in runs if lo > x]
            ends = ([max(below)] if below else []) + ([min(above)] if above else [])
        points += [(end, d) if axis == 0 else (t, end) for end in ends]
    return points


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



def _points(span: tuple[float, float], step: float) -> int:
    return int(math.ceil((span[1] - span[0]) / step)) + 1


def _axis(span: tuple[float, float], step: float) -> np.ndarray:
    return np.linspace(span[0], span[1], _points(span, step))

"""Per-reading answers: verdict, fired units and reasons, Shapley values, counterfactuals."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from model.data import DURATION_RANGE, TEMPERATURE_RANGE, in_domain
from model.network import Network, sigmoid_scalar
from model.roles import Role, neuron_roles, reason, reasons

FLIP_GRID = 61  # readings per axis searched for the nearest opposite verdict
EDGE_LOGIT_TOL = 1e-4  # an edge this close to the threshold, in logit units, is on it
FLIP_CANDIDATES = 3  # nearest grid readings of the other verdict, each searched along its line
WINDOW_STEPS = {"temperature": 136, "duration": 101}  # 1 °C and 0.04 min apart


@dataclass(slots=True)  # not frozen: a frozen dataclass pays a setattr per field, per unit
class UnitState:
    role: Role
    reading: tuple[float, float]
    activation: float
    fired: bool  # the unit is on the side where it pushes the verdict towards bad
    pre_activation: tuple[float, float, float]  # temperature term, duration term, bias (normalised)
    logit_contribution: float

    @property
    def neuron(self) -> int:
        return self.role.neuron

    @property
    def region(self) -> str:
        return self.role.region

    @property
    def reason(self) -> str:
        """Say why, in roast words (built on demand: most answers need one or two of them)."""
        return reason(self.role, *self.reading)


@dataclass(slots=True)
class Prediction:
    temperature: float
    duration: float
    probability: float
    good_roast: bool
    units: list[UnitState]
    closest: UnitState  # the unit nearest its bad side (the deepest in it when several fired)
    extrapolated: bool

    @property
    def fired(self) -> list[UnitState]:
        return [u for u in self.units if u.fired]


@dataclass(frozen=True, eq=False)
class BatchPrediction:
    """Verdicts for N readings at once (arrays), with reasons built on demand."""

    roles: list[Role]
    temperature: np.ndarray  # (N,)
    duration: np.ndarray  # (N,)
    probability: np.ndarray  # (N,)
    good_roast: np.ndarray  # (N,) bool
    hidden: np.ndarray  # (N, H) activations
    fired: np.ndarray  # (N, H) bool: unit on its bad side
    closest: np.ndarray  # (N,) index of the unit nearest (or deepest into) its bad side
    extrapolated: np.ndarray  # (N,) bool

    def reasons(self) -> list[dict[int, str]]:
        """Return, per unit, the reason for each reading where the unit fired or came closest."""
        needed = self.fired.copy()
        needed[np.arange(len(self.closest)), self.closest] = True
        out = []
        for j, role in enumerate(self.roles):
            idx = np.flatnonzero(needed[:, j])
            texts = reasons(role, self.temperature[idx].tolist(), self.duration[idx].tolist())
            out.append(dict(zip(idx.tolist(), texts, strict=True)))
        return out


@dataclass(frozen=True)
class Explanation:
    prediction: Prediction
    baseline: tuple[float, float]
    baseline_probability: float
    shapley: tuple[float, float]  # temperature, duration; they add up to p(x) - p(baseline)
    good_temperature_range: tuple[float, float] | None
    good_duration_range: tuple[float, float] | None
    nearest_flip: tuple[float, float, float] | None  # temperature, duration, probability


class Explainer:
    """Everything that reasons about one network, with the per-model work done once."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.roles: list[Role] = neuron_roles(net)
        self._mean, self._std = net.mean.tolist(), net.std.tolist()
        self._baseline_p = net.proba_at(*self._mean)  # Shapley's baseline: the training mean
        self._signs = np.array([r.sign for r in self.roles])
        self._live = np.array([r.active for r in self.roles])
        self._normalised = list(zip(net.W1[0].tolist(), net.W1[1].tolist(), net.b1.tolist(),
                                    strict=True))
        t, d = np.meshgrid(np.linspace(*TEMPERATURE_RANGE, FLIP_GRID),
                           np.linspace(*DURATION_RANGE, FLIP_GRID))
        self._grid = np.stack([t.ravel(), d.ravel()], axis=1)
        self._grid_p = net.predict_proba(self._grid)
        self._flip_sets: dict[float, tuple] = {}
        # Each window scan varies one input along a fixed grid: its share of z1 is computed once.
        self._scans = {}
        for row, (axis, span) in enumerate((("temperature", TEMPERATURE_RANGE),
                                            ("duration", DURATION_RANGE))):
            values = np.linspace(*span, WINDOW_STEPS[axis])
            self._scans[axis] = (values, np.outer(values, net.folded[0][row]))

    def __repr__(self) -> str:
        return f"Explainer({[r.region for r in self.roles]})"

    def predict(self, t: float, d: float, threshold: float = 0.5) -> Prediction:
        """Return the verdict for one reading, with every unit's state and reason."""
        units_params, logit = self.net.scalar_units
        tn, dn = (t - self._mean[0]) / self._std[0], (d - self._mean[1]) / self._std[1]
        units, closest, closest_margin = [], None, -math.inf
        for role, (a_t, a_d, c, w2), (w_t, w_d, b) in zip(
            self.roles, units_params, self._normalised, strict=True
        ):
            z = a_t * t + a_d * d + c
            a = sigmoid_scalar(z)
            contribution = w2 * a
            logit += contribution
            margin = role.sign * z  # > 0 on the unit's bad side
            unit = UnitState(
                role=role, reading=(t, d), activation=a, fired=role.active and margin > 0,
                pre_activation=(w_t * tn, w_d * dn, b), logit_contribution=contribution,
            )
            units.append(unit)
            if role.active and margin > closest_margin:
                closest, closest_margin = unit, margin
        p = sigmoid_scalar(logit)
        return Prediction(
            temperature=t, duration=d, probability=p, good_roast=p >= threshold,
            units=units, closest=closest or units[0], extrapolated=not in_domain(t, d),
        )

    def predict_many(self, t: np.ndarray, d: np.ndarray, threshold: float = 0.5) -> BatchPrediction:
        """Return verdicts for readings t (N,), d (N,) in one vectorised pass."""
        A, c, w2, b2 = self.net.folded
        t, d = np.asarray(t, dtype=np.float64), np.asarray(d, dtype=np.float64)
        z = np.outer(t, A[0]) + np.outer(d, A[1]) + c  # (N, H)
        with np.errstate(over="ignore"):
            hidden = 1.0 / (1.0 + np.exp(-z))
            p = 1.0 / (1.0 + np.exp(-(hidden @ w2 + b2)))
        live = self._live
        margin = np.where(live, z * self._signs, -np.inf)
        extrapolated = ((t < TEMPERATURE_RANGE[0]) | (t > TEMPERATURE_RANGE[1])
                        | (d < DURATION_RANGE[0]) | (d > DURATION_RANGE[1]))
        return BatchPrediction(
            roles=self.roles, temperature=t, duration=d, probability=p, good_roast=p >= threshold,
            hidden=hidden, fired=margin > 0, closest=margin.argmax(axis=1) if live.any()
            else np.zeros(len(t), dtype=int), extrapolated=extrapolated,
        )

    def explain(self, t: float, d: float, threshold: float = 0.5) -> Explanation:
        """Return the full explanation of one reading."""
        pred = self.predict(t, d, threshold)
        bt, bd = self._mean
        f = self.net.proba_at
        fx, fb, f_t, f_d = pred.probability, self._baseline_p, f(t, bd), f(bt, d)
        # Exact Shapley values for two players: average each one's marginal over both orders.
        phi_t = 0.5 * ((f_t - fb) + (fx - f_d))
        phi_d = 0.5 * ((f_d - fb) + (fx - f_t))
        return Explanation(
            prediction=pred, baseline=(bt, bd), baseline_probability=fb, shapley=(phi_t, phi_d),
            good_temperature_range=self.good_window("temperature", t, d, threshold),
            good_duration_range=self.good_window("duration", t, d, threshold),
            nearest_flip=self.nearest_flip(t, d, pred.good_roast, threshold),
        )

    def good_window(self, axis: str, t: float, d: float, threshold: float = 0.5):
        """Return the (lo, hi) interval of ``axis`` values inside the domain that make a good roast
        with the other variable held, the one nearest the reading; None if there is none."""
        along_t = axis == "temperature"
        values, varying = self._scans[axis]
        A, c, w2, b2 = self.net.folded
        fixed = A[1] * d + c if along_t else A[0] * t + c  # (H,)
        with np.errstate(over="ignore"):
            hidden = 1.0 / (1.0 + np.exp(-(varying + fixed)))
        cut = _logit(threshold)
        good = hidden @ w2 + b2 >= cut
        if not good.any():
            return None
        # Runs of good readings: starts where good begins, ends where it stops.
        edges = np.diff(np.concatenate([[0], good.astype(np.int8), [0]]))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
        here = t if axis == "temperature" else d
        gaps = np.maximum(values[starts] - here, 0) + np.maximum(here - values[ends], 0)
        i = int(np.argmin(gaps))
        logit = self.net.logit_at

        def margin(v: float) -> float:  # >= 0 where the roast is good
            return (logit(v, d) if along_t else logit(t, v)) - cut

        tol = (values[1] - values[0]) * 1e-3
        lo, hi = values[starts[i]], values[ends[i]]
        if starts[i] > 0:
            lo = _edge(margin, lo, values[starts[i] - 1], tol, inclusive=True)
        if ends[i] < values.size - 1:
            hi = _edge(margin, hi, values[ends[i] + 1], tol, inclusive=True)
        return float(lo), float(hi)

    def nearest_flip(self, t: float, d: float, good: bool, threshold: float = 0.5):
        """Return (t, d, p) of a reading near (t, d) with the opposite verdict, distance measured in
        training standard deviations; None when the whole domain shares the verdict."""
        good_set, bad_set = self._verdict_sets(threshold)
        points, scaled = bad_set if good else good_set
        if not len(points):
            return None
        here = np.array([t, d]) / self.net.std
        distances = ((scaled - here) ** 2).sum(axis=1)
        k = min(FLIP_CANDIDATES, len(points))
        candidates = points[np.argpartition(distances, k - 1)[:k]]
        cut, sign = _logit(threshold), (-1.0 if good else 1.0)
        best, best_distance = None, math.inf
        for target_t, target_d in candidates.tolist():
            def margin(s: float, dt=target_t - t, dd=target_d - d) -> float:
                # > 0 (or == 0 towards good) where the verdict is flipped
                return sign * (self.net.logit_at(t + s * dt, d + s * dd) - cut)

            # The flipped end of the final bracket: a reading that really has the other verdict.
            s = _edge(margin, 1.0, 0.0, 1e-5, inclusive=not good)
            ft, fd = t + s * (target_t - t), d + s * (target_d - d)
            distance = ((ft - t) / self._std[0]) ** 2 + ((fd - d) / self._std[1]) ** 2
            if distance < best_distance:
                best, best_distance = (ft, fd), distance
        ft, fd = best
        return float(ft), float(fd), self.net.proba_at(ft, fd)

    def _verdict_sets(self, threshold: float) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        """Return the grid readings judged good and bad, raw and scaled by the training std."""
        sets = self._flip_sets.get(threshold)
        if sets is None:
            if len(self._flip_sets) > 16:
                self._flip_sets.clear()
            good = self._grid_p >= threshold
            sets = tuple((self._grid[m], self._grid[m] / self.net.std) for m in (good, ~good))
            self._flip_sets[threshold] = sets
        return sets

    def maps(self, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return axes t (R,), d (R,), probability (R, R) and activations (H, R, R), rows by d."""
        t_axis = np.linspace(*TEMPERATURE_RANGE, resolution)
        d_axis = np.linspace(*DURATION_RANGE, resolution)
        t, d = np.meshgrid(t_axis, d_axis)
        A1, p = self.net.forward(np.stack([t.ravel(), d.ravel()], axis=1))
        R = resolution
        return t_axis, d_axis, p.reshape(R, R), A1.T.reshape(-1, R, R)


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _edge(margin, a: float, b: float, tol: float, inclusive: bool) -> float:
    """Return a point within tol of where margin crosses zero between a (inside) and b (outside).

    Inside means margin > 0 (or == 0 when inclusive); the point returned is always inside, and
    within tol of the crossing or with a margin under EDGE_LOGIT_TOL (in logit units).
    Regula falsi with the Illinois rule: a handful of evaluations where bisection needs twenty.
    """
    fa, fb = margin(a), margin(b)
    kept = 0  # which end survived the last step: -1 the outside end, +1 the inside end
    for _ in range(60):
        if abs(b - a) <= tol or fa < EDGE_LOGIT_TOL:
            break
        m = b - fb * (b - a) / (fb - fa) if fb != fa else 0.5 * (a + b)
        if not min(a, b) < m < max(a, b):
            m = 0.5 * (a + b)
        fm = margin(m)
        if fm > 0 or (inclusive and fm == 0):
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

"""Per-reading answers: verdict, responsible units and reasons, Shapley values, counterfactuals.

Responsibility, defined once. A unit's *push* on a reading is how far it holds the output
log-odds below what it would give at its good extreme (activation 0 for a unit that signals
bad when active, 1 for one that signals bad when inactive): ``|w2| * sigmoid(sign * z)``.
The units responsible for a bad verdict (``fired``) are the fewest units, largest push first,
whose move to their good extreme would make the roast good. When no such set exists (the
output bias alone keeps the reading bad), every unit that pushes at all is named. Other units
on their bad side, or pushing by EFFECT_MIN or more, are a lesser cause ("also bad"). A good
verdict names none; units on their bad side, or whose boundary lies within NEAR_SD training
standard deviations, go in ``near_bad`` instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from model.data import DURATION_RANGE, TEMPERATURE_RANGE, in_domain, load_coffee_data, outside_domain
from model.network import FLAT, Network, lab_network, logit, sigmoid, sigmoid_at
from model.roles import EFFECT_MIN, Role, neuron_roles
from model.words import NEAR_BAD, RESPONSIBLE, STATES, reason, reasons

if TYPE_CHECKING:  # the searches' compiled code loads on the first explanation (numba: 0.3 s)
    from model.flip import FlipSearch, Windows
    from model.intervals import GoodIntervals

BY_ARRAYS = 16  # from this many readings on, per-reading lists and sentences come from whole arrays
NEAR_SD = 0.5  # a good reading this close to a unit's boundary (in training sd) is near bad
MAX_BACKGROUND = 1_000  # training readings that Shapley's data baseline averages over
_RESPONSIBLE, _NEAR_BAD = STATES.index(RESPONSIBLE), STATES.index(NEAR_BAD)  # their codes in state


@dataclass(frozen=True, eq=False)
class Verdicts:
    """Verdicts for N readings (arrays), with every unit's share; sentences built on demand.

    temperature, duration, probability, good_roast, extrapolated : (N,)
    pre_activation, hidden, push, boundary_distance, state : (N, H)
    closest : (N,) the live unit whose boundary is nearest (in training sd), -1 if none
    """

    roles: list[Role]
    temperature: np.ndarray
    duration: np.ndarray
    probability: np.ndarray
    good_roast: np.ndarray
    pre_activation: np.ndarray
    hidden: np.ndarray
    push: np.ndarray
    boundary_distance: np.ndarray
    state: np.ndarray
    order: np.ndarray  # (N, H) units by push, largest first
    closest: np.ndarray
    extrapolated: np.ndarray
    units: list[str] = field(default_factory=list)  # "C" or "F" per reading, for the sentences
    _said: dict[tuple[int, int], str] = field(default_factory=dict, init=False, repr=False)

    def __len__(self) -> int:
        return len(self.probability)

    @cached_property
    def rows(self) -> Rows:
        """Every field as plain Python lists (one ``tolist`` each): a batch asks them of every
        reading, and indexing a list is many times cheaper than indexing an array."""
        return Rows(self.temperature.tolist(), self.duration.tolist(), self.probability.tolist(),
                    self.good_roast.tolist(), self.hidden.tolist(), self.push.tolist(),
                    self.boundary_distance.tolist(), self.state.tolist(), self.order.tolist(),
                    self.closest.tolist(), self.extrapolated.tolist())

    def fired(self, i: int) -> list[int]:
        """Return the units responsible for reading i's bad verdict, largest push first."""
        return _fired(self.rows.state[i], self.rows.order[i])

    def near_bad(self, i: int) -> list[int]:
        """Return the units near their bad side on reading i's good verdict, nearest first."""
        rows = self.rows
        state = rows.state[i]
        if _NEAR_BAD not in state:  # most readings: no unit near its bad side
            return []
        near = (j for j, s in enumerate(state) if s == _NEAR_BAD)
        return sorted(near, key=rows.boundary_distance[i].__getitem__)

    def fired_lists(self) -> list[Sequence[int]]:
        """Return ``fired(i)`` of every reading."""
        if len(self) < BY_ARRAYS:
            return list(map(_fired, self.rows.state, self.rows.order))
        return _members_in_order(self.state == _RESPONSIBLE, self.order)

    def near_bad_lists(self) -> list[Sequence[int]]:
        """Return ``near_bad(i)`` of every reading."""
        if len(self) < BY_ARRAYS:
            return [self.near_bad(i) for i in range(len(self))]
        return _members_in_order(self.state == _NEAR_BAD,
                                 np.argsort(self.boundary_distance, axis=1, kind="stable"))

    def reason(self, i: int, j: int) -> str:
        """Say why unit j does or does not make reading i bad, in the reading's unit (once: an
        explanation names a unit in its verdict and again among the neurons)."""
        said = self._said.get((i, j))
        if said is None:
            rows = self.rows
            said = self._said[i, j] = reason(
                self.roles[j], rows.temperature[i], rows.duration[i], STATES[rows.state[i][j]],
                rows.push[i][j], self.units[i] if self.units else "C", rows.extrapolated[i])
        return said

    def reasons(self, j: int, readings: np.ndarray) -> list[str]:
        """Return ``reason(i, j)`` for each reading i of ``readings`` (indices), at array speed."""
        return reasons(self.roles[j], self.temperature[readings], self.duration[readings],
                       self.state[readings, j], self.push[readings, j], self.fahrenheit[readings],
                       self.extrapolated[readings])

    @cached_property
    def fahrenheit(self) -> np.ndarray:
        """(N,) bool: the reading came in °F."""
        if "F" not in self.units:
            return np.zeros(len(self), dtype=bool)
        return np.array([u == "F" for u in self.units], dtype=bool)


def _fired(state: list[int], order: list[int]) -> list[int]:
    return [j for j in order if state[j] == _RESPONSIBLE] if _RESPONSIBLE in state else []


def _members_in_order(member: np.ndarray, order: np.ndarray) -> list[Sequence[int]]:
    """Return, for each row of ``member`` (N, H) bool, its members in the row's ``order`` (N, H),
    as tuples shared between rows: each row's list is coded as one integer (the members' numbers
    plus one, as base H + 1 digits), and each distinct code is read once."""
    H = member.shape[1]
    picked = np.take_along_axis(member, order, axis=1)
    code = np.where(picked, order + 1, 0) @ (H + 1) ** np.arange(H)
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    lists = np.empty(len(first), dtype=object)
    for k, i in enumerate(first.tolist()):
        lists[k] = tuple(order[i][picked[i]].tolist())
    shared: list[Sequence[int]] = lists[inverse].tolist()
    return shared


class Rows(NamedTuple):
    """A Verdicts' fields as lists: floats, bools and ints, one entry (or row) per reading."""

    temperature: list[float]
    duration: list[float]
    probability: list[float]
    good_roast: list[bool]
    hidden: list[list[float]]
    push: list[list[float]]
    boundary_distance: list[list[float]]
    state: list[list[int]]
    order: list[list[int]]
    closest: list[int]
    extrapolated: list[bool]


@dataclass(frozen=True)
class Shapley:
    kind: str  # "data": averaged over the training readings; "mean": against the training mean
    baseline: tuple[float, float] | None  # the mean reading, for kind "mean"
    background_size: int
    baseline_probability: float  # E[f(background)], or f(mean)
    values: tuple[float, float]  # temperature, duration; they add up to f(x) - baseline_probability


@dataclass(frozen=True)
class Explanation:
    verdicts: Verdicts  # of one reading
    pre_activation: list[tuple[float, float, float]]  # per unit: temperature, duration, bias terms
    shapley: Shapley
    good_temperature_ranges: list[tuple[float, float]]
    good_duration_ranges: list[tuple[float, float]]
    nearest_flip: tuple[float, float, float, float] | None  # temperature, duration, probability, sd


class Explainer:
    """Everything that reasons about one network, with the per-model work done once.

    background : (n, 2) the readings the model learned from (default: the lab's data set).
    """

    def __init__(self, net: Network, background: np.ndarray | None = None) -> None:
        self.net = net
        self.roles: list[Role] = neuron_roles(net)
        self._sign = np.array([r.sign for r in self.roles])
        self._weight = np.abs(net.W2[:, 0])
        steepness = np.array([r.steepness for r in self.roles])
        self._flat_units = np.flatnonzero(steepness <= FLAT).tolist()
        self._per_sd = 1.0 / np.where(steepness > FLAT, steepness, 1.0)
        self._live = np.array([r.live for r in self.roles])
        # closest names a live unit with a boundary; a live unit as flat as FLAT has none
        self._any_boundary = bool((self._live & (steepness > FLAT)).any())
        self._ranks = np.arange(net.hidden_units)
        self._signs, self._weights = self._sign.tolist(), self._weight.tolist()
        self._per_sd_list, self._live_list = self._per_sd.tolist(), self._live.tolist()
        X = load_coffee_data()[0] if background is None else np.asarray(background, dtype=float)
        X = X[:MAX_BACKGROUND]
        self._background_mean_p = float(net.outputs(X[:, 0], X[:, 1]).p.mean())
        self._mean, self._std = tuple(net.mean.tolist()), tuple(net.std.tolist())
        self._mean_p = net.outputs_at(*self._mean)[3]
        self._backgrounds = {"data": np.ascontiguousarray(X, dtype=np.float64),  # Shapley's, (n, 2)
                             "mean": net.mean[None, :].copy()}
        self._first_layer = list(zip(net.W1[0].tolist(), net.W1[1].tolist(), net.b1.tolist(), strict=True))
        self._flips: dict[float, FlipSearch] = {}

    def __repr__(self) -> str:
        return f"Explainer({[r.region for r in self.roles]})"

    @cached_property
    def _intervals(self) -> GoodIntervals:
        from model.intervals import GoodIntervals  # compiled: loaded by the first explanation

        return GoodIntervals(self.net)

    @cached_property
    def _coalitions(self) -> Callable[[float, float, np.ndarray], tuple[float, float]]:
        from model.steering import coalition_means, units_of  # compiled, as above

        units, b2 = units_of(self.net), float(self.net.b2[0])
        return lambda t, d, background: coalition_means(units, b2, t, d, background)

    def predict_many(self, temperatures: ArrayLike, durations: ArrayLike, threshold: float = 0.5,
                     units: list[str] | None = None) -> Verdicts:
        """Return verdicts for readings t (N,) °C, d (N,) min (or one reading as two numbers)."""
        t, d = np.asarray(temperatures, dtype=np.float64), np.asarray(durations, dtype=np.float64)
        if t.size == 1:
            return self._one(float(t.reshape(-1)[0]), float(d.reshape(-1)[0]), threshold, units)
        return self._many(t.reshape(-1), d.reshape(-1), threshold, units)

    def _many(self, t: np.ndarray, d: np.ndarray, threshold: float, units: list[str] | None) -> Verdicts:
        """Return the verdicts of readings t, d (N,) from the network's batch forward pass."""
        z, hidden, z2, p = self.net.outputs(t, d)
        push = self._weight * sigmoid(self._sign * z)
        with np.errstate(over="ignore", invalid="ignore"):
            distance = np.abs(z) * self._per_sd
        if self._flat_units:  # a unit with no boundary is infinitely far from it
            distance[:, self._flat_units] = np.inf
        good = p >= threshold
        bad = ~good[:, None]
        bad_side = (self._sign * z > 0) & self._live
        rows = np.arange(len(t))[:, None]
        order = np.argsort(-push, axis=1, kind="stable")
        reach = z2[:, None] + np.cumsum(push[rows, order], axis=1) >= logit(threshold)
        count = np.where(reach.any(axis=1), reach.argmax(axis=1) + 1, (push > 0).sum(axis=1))
        rank = np.empty_like(order)
        rank[rows, order] = self._ranks
        state = np.where(bad & (rank < count[:, None]), 1, np.where(bad, 2, 3) * np.where(
            bad, bad_side | (push >= EFFECT_MIN), ~bad & self._live & (bad_side | (distance <= NEAR_SD))))
        live_distance = np.where(self._live, distance, np.inf)
        closest = np.where(self._any_boundary, live_distance.argmin(axis=1), -1)
        extrapolated = outside_domain(t, d)
        return Verdicts(
            roles=self.roles, temperature=t, duration=d, probability=p, good_roast=good,
            pre_activation=z, hidden=hidden, push=push, boundary_distance=distance,
            state=state.astype(np.int8), order=order, closest=closest, extrapolated=extrapolated,
            units=units or [],
        )

    def _one(self, t: float, d: float, threshold: float, units: list[str] | None) -> Verdicts:
        """Return the verdict of one reading: ``_many``'s arithmetic in the same order, on
        plain floats from the network's one-reading pass (a numpy call costs more than the
        whole sum here). The batch test holds the two to the same bits."""
        z, hidden, z2, p = self.net.outputs_at(t, d)
        H = len(z)
        push = [w * sigmoid_at(s * zj) for w, s, zj in zip(self._weights, self._signs, z, strict=True)]
        distance = [math.inf if j in self._flat_units else abs(z[j]) * self._per_sd_list[j]
                    for j in range(H)]
        good = p >= threshold
        bad_side = [s * zj > 0 and live for s, zj, live in zip(self._signs, z, self._live_list, strict=True)]
        order = sorted(range(H), key=lambda j: -push[j])
        cut, total, count = logit(threshold), 0.0, None
        for k, j in enumerate(order):
            total += push[j]
            if z2 + total >= cut:
                count = k + 1
                break
        if count is None:
            count = sum(pj > 0 for pj in push)
        rank = {j: k for k, j in enumerate(order)}
        state = [(1 if rank[j] < count else 2 if bad_side[j] or push[j] >= EFFECT_MIN else 0) if not good
                 else 3 if self._live_list[j] and (bad_side[j] or distance[j] <= NEAR_SD) else 0
                 for j in range(H)]
        live_distance = [dj if live else math.inf for dj, live in zip(distance, self._live_list, strict=True)]
        closest = live_distance.index(min(live_distance)) if self._any_boundary else -1
        extrapolated = not in_domain(t, d)
        row = np.array
        verdicts = Verdicts(
            roles=self.roles, temperature=row([t]), duration=row([d]), probability=row([p]),
            good_roast=row([good]), pre_activation=row([z]), hidden=row([hidden]), push=row([push]),
            boundary_distance=row([distance]), state=row([state], dtype=np.int8), order=row([order]),
            closest=row([closest]), extrapolated=row([extrapolated]),
            units=units or [],
        )
        # The lists are at hand: the answer reads them rather than converting the arrays back.
        verdicts.__dict__["rows"] = Rows([t], [d], [p], [good], [hidden], [push], [distance], [state],
                                         [order], [closest], [extrapolated])
        return verdicts

    def explain(self, t: float, d: float, threshold: float = 0.5, baseline: str = "data",
                unit: str = "C") -> Explanation:
        """Return the full explanation of one reading (t °C, d min)."""
        verdicts = self.predict_many(t, d, threshold, [unit])
        flips = self._flip_search(threshold)
        windows = self._intervals(t, d, threshold)
        tn, dn = (t - self._mean[0]) / self._std[0], (d - self._mean[1]) / self._std[1]
        return Explanation(
            verdicts=verdicts,
            pre_activation=[(w_t * tn, w_d * dn, b) for w_t, w_d, b in self._first_layer],
            shapley=self.shapley(t, d, float(verdicts.probability[0]), baseline),
            good_temperature_ranges=windows[0],
            good_duration_ranges=windows[1],
            nearest_flip=self._flip(flips, t, d, bool(verdicts.good_roast[0]), windows),
        )

    def shapley(self, t: float, d: float, fx: float, baseline: str = "data") -> Shapley:
        """Return exact interventional Shapley values of temperature and duration.

        Two players: each one's value averages its marginal over both orders, and over every
        background reading (``"data"``) or against the training mean alone (``"mean"``).
        """
        fb = self._mean_p if baseline == "mean" else self._background_mean_p
        background = self._backgrounds["mean" if baseline == "mean" else "data"]
        f_t, f_d = self._coalitions(float(t), float(d), background)
        return Shapley(kind=baseline, baseline=self._mean if baseline == "mean" else None,
                       background_size=len(background), baseline_probability=fb,
                       values=(0.5 * ((f_t - fb) + (fx - f_d)), 0.5 * ((f_d - fb) + (fx - f_t))))

    def _flip_search(self, threshold: float) -> FlipSearch:
        search = self._flips.get(threshold)
        if search is None:
            from model.flip import FlipSearch  # compiled, as above

            if len(self._flips) >= 16:
                self._flips.clear()
            search = self._flips[threshold] = FlipSearch(self.net, threshold)
        return search

    def _flip(self, flips: FlipSearch, t: float, d: float, good: bool,
              windows: Windows) -> tuple[float, float, float, float] | None:
        found = flips.nearest(t, d, good, windows)
        if found is None:
            return None
        ft, fd, distance = found
        return ft, fd, self.net.outputs_at(ft, fd)[3], distance

    def maps(self, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return axes t (R,), d (R,), probability (R, R) and activations (H, R, R), rows by d."""
        t_axis = np.linspace(*TEMPERATURE_RANGE, resolution)
        d_axis = np.linspace(*DURATION_RANGE, resolution)
        t, d = np.meshgrid(t_axis, d_axis)
        _, hidden, _, p = self.net.outputs(t.ravel(), d.ravel())
        R = resolution
        return t_axis, d_axis, p.reshape(R, R), hidden.T.reshape(-1, R, R)


def prepare() -> None:
    """Load the searches' compiled code (model/compiled.py) now, from its cache or by compiling
    it, rather than in the first explanation a server gives: explain a good and a bad reading."""
    explainer = Explainer(lab_network())
    for t, d in ((200.0, 13.9), (280.0, 10.0)):
        explainer.explain(t, d)

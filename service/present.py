"""Turn the model layer's answers into the JSON shapes of service/answers/."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, NamedTuple, cast

import numpy as np

from model import compare
from model.data import DURATION_RANGE, PRIMARY_REGIONS, TEMPERATURE_RANGE, in_unit
from model.explain import BY_ARRAYS, Explanation, Verdicts
from model.roles import Role
from model.trajectory import SEPARATION_FACTOR, Trajectory
from model.words import NEAR_BAD, RESPONSIBLE, STATES
from service.stored import StoredModel

if TYPE_CHECKING:  # the CLI imports this module: no pydantic at run time for a type
    from service import answers as a


class Tally(NamedTuple):
    """What one answer said, for the request log and the metrics: verdicts and fired units."""

    model_id: str
    good: np.ndarray  # (N,) bool, one per reading
    states: np.ndarray | None  # (N, H) unit states (1: responsible), when the answer has them
    regions: list[str]  # each unit's region


def _distance(value: float) -> float | None:
    return value if math.isfinite(value) else None


def predictions(v: Verdicts, echo: Sequence[float] | None = None) -> list[a.Prediction]:
    """Return one answer per reading; ``echo`` holds the temperatures as the client sent them."""
    if len(v) >= BY_ARRAYS:  # from the arrays: only the lists needed, and sentences a unit at a time
        t, d, p, good, hidden, closest, extrapolated = (
            v.temperature.tolist(), v.duration.tolist(), v.probability.tolist(), v.good_roast.tolist(),
            v.hidden.tolist(), v.closest.tolist(), v.extrapolated.tolist())
        shown = _shown_by_reading(v)
    else:
        r = v.rows
        t, d, p, good, hidden, closest, extrapolated = (
            r.temperature, r.duration, r.probability, r.good_roast, r.hidden, r.closest, r.extrapolated)
        shown = _shown_one_by_one(v)
    units: list[a.TemperatureUnit] = ["F" if u == "F" else "C" for u in v.units] or ["C"] * len(v)
    columns = (echo or t, d, units, p, good, hidden, closest, extrapolated, v.fired_lists(),
               v.near_bad_lists(), shown)
    return [{
        "temperature": t,
        "duration": d,
        "temperature_unit": unit,
        "probability": p,
        "label": "good" if good else "bad",
        "good_roast": good,
        "hidden": hidden,
        "fired": list(map(reasons.__getitem__, fired)) if fired else [],
        "near_bad": list(map(reasons.__getitem__, near_bad)) if near_bad else [],
        "closest": reasons[closest] if closest >= 0 else None,
        "extrapolated": extrapolated,
    } for t, d, unit, p, good, hidden, closest, extrapolated, fired, near_bad, reasons
        in zip(*columns, strict=True)]


_SHOWN = (STATES.index(RESPONSIBLE), STATES.index(NEAR_BAD))  # the states a unit is shown in


def _shown_by_reading(v: Verdicts) -> list[tuple[a.UnitReason | None, ...]]:
    """Return, per reading, each unit's reason object where the answer shows the unit (fired,
    near bad or closest), else None: a unit both closest and near bad is one object, one sentence."""
    n = len(v)
    shown = np.isin(v.state, _SHOWN)
    live = v.closest >= 0
    shown[np.flatnonzero(live), v.closest[live]] = True
    by_unit = []
    for j, role in enumerate(v.roles):
        which = np.flatnonzero(shown[:, j])
        to_boundary = v.boundary_distance[which, j]
        distances = (to_boundary.tolist() if np.isfinite(to_boundary).all()
                     else list(map(_distance, to_boundary.tolist())))
        made = [{"neuron": j, "region": role.region, "activation": activation, "push": push,
                 "boundary_distance": distance, "reason": reason}
                for activation, push, distance, reason in zip(
                    v.hidden[which, j].tolist(), v.push[which, j].tolist(), distances,
                    v.reasons(j, which), strict=True)]
        column = np.full(n, None, dtype=object)
        column[which] = made
        by_unit.append(column.tolist())
    return list(zip(*by_unit, strict=True))


def _shown_one_by_one(v: Verdicts) -> list[tuple[a.UnitReason | None, ...]]:
    """``_shown_by_reading`` a reading at a time, with ``Verdicts.reason`` for each sentence."""
    regions = [r.region for r in v.roles]
    rows = v.rows
    out = []
    for i, (hidden, push, distance, state, closest) in enumerate(zip(
            rows.hidden, rows.push, rows.boundary_distance, rows.state, rows.closest, strict=True)):
        shown: list[a.UnitReason | None] = [None] * len(regions)
        for j, code in enumerate(state):
            if j == closest or code in _SHOWN:
                shown[j] = {"neuron": j, "region": regions[j], "activation": hidden[j], "push": push[j],
                            "boundary_distance": _distance(distance[j]), "reason": v.reason(i, j)}
        out.append(tuple(shown))
    return out


def explanation(e: Explanation, echo: float | None = None) -> a.Explanation:
    v = e.verdicts
    unit = v.units[0] if v.units else "C"
    [prediction] = predictions(v, None if echo is None else [echo])
    rows = v.rows  # plain floats and ints: cheaper to read than the arrays, element by element
    state, hidden, push, distance = rows.state[0], rows.hidden[0], rows.push[0], rows.boundary_distance[0]
    neurons: list[a.NeuronState] = [{
        "neuron": j, "region": role.region, "state": cast("a.UnitState", STATES[state[j]]),
        "activation": hidden[j], "push": push[j], "boundary_distance": _distance(distance[j]),
        "pre_activation": _pre_activation(*e.pre_activation[j]),
        "logit_contribution": role.output_weight * hidden[j],
        "reason": v.reason(0, j),
    } for j, role in enumerate(v.roles)]
    s = e.shapley
    shapley: a.Shapley = {
        "baseline_kind": cast('Literal["data", "mean"]', s.kind),  # the model's two kinds
        "baseline": None if s.baseline is None else
        {"temperature": in_unit(s.baseline[0], unit), "duration": s.baseline[1]},
        "background_size": s.background_size,
        "baseline_probability": s.baseline_probability,
        "temperature": s.values[0],
        "duration": s.values[1],
    }
    flip = e.nearest_flip
    counterfactual: a.Counterfactual = {
        "good_temperature_ranges": [(in_unit(lo, unit), in_unit(hi, unit))
                                    for lo, hi in e.good_temperature_ranges],
        "good_duration_ranges": [(lo, hi) for lo, hi in e.good_duration_ranges],
        "extrapolated_ranges": {
            "temperature": [lo < TEMPERATURE_RANGE[0] or hi > TEMPERATURE_RANGE[1]
                            for lo, hi in e.good_temperature_ranges],
            "duration": [lo < DURATION_RANGE[0] or hi > DURATION_RANGE[1]
                         for lo, hi in e.good_duration_ranges],
        },
        "nearest_flip": None if flip is None else
        {"temperature": in_unit(flip[0], unit), "duration": flip[1], "probability": flip[2],
         "distance": flip[3]},
    }
    return {**prediction, "neurons": neurons, "shapley": shapley, "counterfactual": counterfactual}


def _pre_activation(temperature: float, duration: float, bias: float) -> a.PreActivation:
    return {"temperature": temperature, "duration": duration, "bias": bias,
            "total": temperature + duration + bias}


def role(r: Role) -> a.NeuronRole:
    return {
        "neuron": r.neuron, "region": r.region, "agreement": r.agreement,
        "description": r.description,
        "boundary": {"temperature_coef": r.a_t, "duration_coef": r.a_d, "intercept": r.c},
        "output_weight": r.output_weight,
    }


def model_summary(m: StoredModel, active_id: str | None) -> a.ModelSummary:
    return {"id": m.id, "name": m.name, "source": m.source, "recipe": m.recipe,
            "metrics": m.metrics, "active": m.id == active_id, "created_at": m.created_at,
            "usable": True, "problem": None}


def model_detail(m: StoredModel, active_id: str | None) -> a.ModelDetail:
    net = m.network
    return {
        **model_summary(m, active_id),
        "neurons": [role(r) for r in m.roles],
        "symmetry": symmetry(m.symmetry),
        "loss_curve": [{"step": int(step), "loss": loss} for step, loss in m.loss_curve],
        "weights": {"W1": net.W1.tolist(), "b1": net.b1.tolist(), "W2": net.W2.tolist(),
                    "b2": net.b2.tolist()},
        "normalization": {"mean": {"temperature": float(net.mean[0]), "duration": float(net.mean[1])},
                          "std": {"temperature": float(net.std[0]), "duration": float(net.std[1])}},
    }


def trajectory(model_id: str, t: Trajectory) -> a.TrajectoryResponse:
    units = t.snapshots.units().tolist()  # (K, H, 4)
    b2 = t.snapshots.output_bias().tolist()
    closest = t.closest
    snapshots: list[a.Snapshot] = []
    for k, step in enumerate(t.steps.tolist()):
        snapshots.append({
            "step": step,
            "loss": float(t.loss[k]),
            "output_bias": b2[k],
            "units": [{"neuron": j,
                       "weights": {"temperature": w[0], "duration": w[1], "bias": w[2], "output": w[3]},
                       "region": t.regions[k][j], "agreement": float(t.agreement[k, j]),
                       "gradient_norm": float(t.gradient_norm[k, j])}
                      for j, w in enumerate(units[k])],
            "distances": [{"units": list(pair), "distance": float(t.distance[k, n])}
                          for n, pair in enumerate(t.pairs)],
            "closest_distance": None if closest is None else float(closest[k]),
        })
    return {"model_id": model_id, "separation_factor": SEPARATION_FACTOR,
            "separation_step": t.separation_step, "regions_settled_step": t.regions_settled_step,
            "snapshots": snapshots}


def metrics(m: compare.Metrics) -> a.Metrics:
    return {"train_accuracy": m.train_accuracy, "grid_accuracy": m.grid_accuracy,
            "final_loss": m.final_loss}


def symmetry(r: compare.SymmetryReport) -> a.Symmetry:
    return {"pairs": [{"units": list(p.units), "weight_cosine": p.weight_cosine,
                       "max_weight_difference": p.max_weight_difference,
                       "activation_correlation": p.activation_correlation,
                       "max_activation_difference": p.max_activation_difference} for p in r.pairs],
            "duplicate_groups": r.duplicate_groups, "distinct_units": r.distinct_units}


def seed_rows(c: compare.SeedComparison) -> list[a.SeedRow]:
    return [{"seed": r.seed, "model_id": r.model_id, "regions": r.labour.regions,
             "all_regions_covered": r.labour.all_regions_covered, "duplicates": r.labour.duplicates,
             "train_accuracy": r.metrics.train_accuracy, "grid_accuracy": r.metrics.grid_accuracy,
             "separation_step": r.separation_step, "regions_settled_step": r.regions_settled_step}
            for r in c.rows]


def comparison(c: compare.SeedComparison) -> a.Comparison:
    """Return the seed comparison of a retrain, with its summary in words."""
    return {"seeds": seed_rows(c), "coverage_rate": c.coverage_rate,
            "summary": f"{c.covered} of {len(c.rows)} seeds divide the three bad-roast regions "
                       f"({', '.join(PRIMARY_REGIONS)}) between their units; {c.with_duplicates} "
                       "have two or more units on the same region."}

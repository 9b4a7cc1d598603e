"""Turn the model layer's answers into the JSON shapes of service/answers.py."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from model.data import DURATION_RANGE, TEMPERATURE_RANGE, to_fahrenheit
from model.explain import STATES, Explanation, Verdicts
from model.roles import Role
from model.trajectory import SEPARATION_FACTOR, Trajectory
from service.stored import StoredModel


class Tally(NamedTuple):
    """What one answer said, for the request log and the metrics: verdicts and fired units."""

    model_id: str
    good: np.ndarray  # (N,) bool, one per reading
    states: np.ndarray | None  # (N, H) unit states (1: responsible), when the answer has them
    regions: list[str]  # each unit's region


def _temperature(celsius: float, unit: str) -> float:
    return to_fahrenheit(celsius) if unit == "F" else celsius


def _distance(value: float) -> float | None:
    return value if math.isfinite(value) else None


def predictions(v: Verdicts, echo: Sequence[float] | None = None) -> list[dict[str, Any]]:
    """Return one answer per reading; ``echo`` holds the temperatures as the client sent them."""
    regions = [r.region for r in v.roles]
    units = v.units or ["C"] * len(v)
    rows = zip(echo or v.temperature.tolist(), v.duration.tolist(), units, v.probability.tolist(),
               v.good_roast.tolist(), v.hidden.tolist(), v.push.tolist(), v.boundary_distance.tolist(),
               v.closest.tolist(), v.extrapolated.tolist(), strict=True)
    out = []
    for i, (t, d, unit, p, good, hidden, push, distance, closest, extrapolated) in enumerate(rows):
        shown: dict[int, dict[str, Any]] = {}

        def entry(j: int, i=i, hidden=hidden, push=push, distance=distance, shown=shown) -> dict[str, Any]:
            if j not in shown:  # a unit can be both closest and near bad: one dict, one sentence
                shown[j] = {"neuron": j, "region": regions[j], "activation": hidden[j], "push": push[j],
                            "boundary_distance": _distance(distance[j]), "reason": v.reason(i, j)}
            return shown[j]

        out.append({
            "temperature": t,
            "duration": d,
            "temperature_unit": unit,
            "probability": p,
            "label": "good" if good else "bad",
            "good_roast": good,
            "hidden": hidden,
            "fired": [entry(j) for j in v.fired(i)],
            "near_bad": [entry(j) for j in v.near_bad(i)],
            "closest": entry(closest) if closest >= 0 else None,
            "extrapolated": extrapolated,
        })
    return out


def explanation(e: Explanation, echo: float | None = None) -> dict[str, Any]:
    v = e.verdicts
    unit = v.units[0] if v.units else "C"
    body = predictions(v, None if echo is None else [echo])[0]
    body["neurons"] = [{
        "neuron": j, "region": role.region, "state": STATES[v.state[0, j]],
        "activation": float(v.hidden[0, j]), "push": float(v.push[0, j]),
        "boundary_distance": _distance(float(v.boundary_distance[0, j])),
        "pre_activation": dict(zip(("temperature", "duration", "bias"), e.pre_activation[j],
                                   strict=True), total=sum(e.pre_activation[j])),
        "logit_contribution": role.output_weight * float(v.hidden[0, j]),
        "reason": v.reason(0, j),
    } for j, role in enumerate(v.roles)]
    s = e.shapley
    body["shapley"] = {
        "baseline_kind": s.kind,
        "baseline": None if s.baseline is None else
        {"temperature": _temperature(s.baseline[0], unit), "duration": s.baseline[1]},
        "background_size": s.background_size,
        "baseline_probability": s.baseline_probability,
        "temperature": s.values[0],
        "duration": s.values[1],
    }
    flip = e.nearest_flip
    body["counterfactual"] = {
        "good_temperature_ranges": [[_temperature(lo, unit), _temperature(hi, unit)]
                                    for lo, hi in e.good_temperature_ranges],
        "good_duration_ranges": [[lo, hi] for lo, hi in e.good_duration_ranges],
        "extrapolated_ranges": {
            "temperature": [lo < TEMPERATURE_RANGE[0] or hi > TEMPERATURE_RANGE[1]
                            for lo, hi in e.good_temperature_ranges],
            "duration": [lo < DURATION_RANGE[0] or hi > DURATION_RANGE[1]
                         for lo, hi in e.good_duration_ranges],
        },
        "nearest_flip": None if flip is None else
        {"temperature": _temperature(flip[0], unit), "duration": flip[1], "probability": flip[2],
         "distance": flip[3]},
    }
    return body


def role(r: Role) -> dict[str, Any]:
    return {
        "neuron": r.neuron, "region": r.region, "agreement": r.agreement,
        "description": r.description,
        "boundary": {"temperature_coef": r.a_t, "duration_coef": r.a_d, "intercept": r.c},
        "output_weight": r.output_weight,
    }


def model_summary(m: StoredModel, active_id: str | None) -> dict[str, Any]:
    return {"id": m.id, "name": m.name, "source": m.source, "recipe": m.recipe,
            "metrics": m.metrics, "active": m.id == active_id, "created_at": m.created_at,
            "usable": True, "problem": None}


def model_detail(m: StoredModel, active_id: str | None) -> dict[str, Any]:
    net = m.network
    return {
        **model_summary(m, active_id),
        "neurons": [role(r) for r in m.roles],
        "symmetry": m.symmetry,
        "loss_curve": [{"step": int(step), "loss": loss} for step, loss in m.loss_curve],
        "weights": {"W1": net.W1.tolist(), "b1": net.b1.tolist(), "W2": net.W2.tolist(),
                    "b2": net.b2.tolist()},
        "normalization": {"mean": {"temperature": float(net.mean[0]), "duration": float(net.mean[1])},
                          "std": {"temperature": float(net.std[0]), "duration": float(net.std[1])}},
    }


def trajectory(model_id: str, t: Trajectory) -> dict[str, Any]:
    units = t.snapshots.units().tolist()  # (K, H, 4)
    b2 = t.snapshots.output_bias().tolist()
    closest = t.closest
    snapshots = []
    for k, step in enumerate(t.steps.tolist()):
        snapshots.append({
            "step": step,
            "loss": float(t.loss[k]),
            "output_bias": b2[k],
            "units": [{"neuron": j,
                       "weights": dict(zip(("temperature", "duration", "bias", "output"), w, strict=True)),
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

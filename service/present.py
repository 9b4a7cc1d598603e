"""Turn the model layer's answers into the JSON shapes of service/schemas.py."""

from __future__ import annotations

from typing import Any

from model.explain import BatchPrediction, Explanation, Prediction, UnitState
from model.roles import Role
from service.stored import StoredModel


def _unit(u: UnitState) -> dict[str, Any]:
    return {"neuron": u.neuron, "region": u.region, "activation": u.activation, "reason": u.reason}


def prediction(p: Prediction) -> dict[str, Any]:
    fired = [_unit(u) for u in p.units if u.fired]
    closest = next((f for f in fired if f["neuron"] == p.closest.neuron), None) or _unit(p.closest)
    return {
        "temperature": p.temperature,
        "duration": p.duration,
        "probability": p.probability,
        "label": "good" if p.good_roast else "bad",
        "good_roast": p.good_roast,
        "hidden": [u.activation for u in p.units],
        "fired": fired,
        "closest": closest,
        "extrapolated": p.extrapolated,
    }


def batch_predictions(b: BatchPrediction) -> list[dict[str, Any]]:
    regions = [r.region for r in b.roles]
    rows = zip(b.temperature.tolist(), b.duration.tolist(), b.probability.tolist(),
               b.good_roast.tolist(), b.hidden.tolist(), b.fired.tolist(), b.closest.tolist(),
               b.extrapolated.tolist(), strict=True)
    texts = b.reasons()
    out = []
    for i, (t, d, p, good, hidden, fired, closest, extrapolated) in enumerate(rows):
        units = {j: {"neuron": j, "region": regions[j], "activation": hidden[j],
                     "reason": texts[j][i]} for j, f in enumerate(fired) if f}
        nearest = units.get(closest) or {"neuron": closest, "region": regions[closest],
                                         "activation": hidden[closest], "reason": texts[closest][i]}
        out.append({
            "temperature": t,
            "duration": d,
            "probability": p,
            "label": "good" if good else "bad",
            "good_roast": good,
            "hidden": hidden,
            "fired": list(units.values()),
            "closest": nearest,
            "extrapolated": extrapolated,
        })
    return out


def explanation(e: Explanation) -> dict[str, Any]:
    p = e.prediction
    body = prediction(p)
    body["neurons"] = [{
        "neuron": u.neuron, "region": u.region, "activation": u.activation, "fired": u.fired,
        "pre_activation": {"temperature": u.pre_activation[0], "duration": u.pre_activation[1],
                           "bias": u.pre_activation[2], "total": sum(u.pre_activation)},
        "logit_contribution": u.logit_contribution, "reason": u.reason,
    } for u in p.units]
    body["shapley"] = {
        "baseline": {"temperature": e.baseline[0], "duration": e.baseline[1]},
        "baseline_probability": e.baseline_probability,
        "temperature": e.shapley[0],
        "duration": e.shapley[1],
    }
    flip = e.nearest_flip
    body["counterfactual"] = {
        "good_temperature_range": e.good_temperature_range,
        "good_duration_range": e.good_duration_range,
        "nearest_flip": None if flip is None else
        {"temperature": flip[0], "duration": flip[1], "probability": flip[2]},
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
    return {
        **model_summary(m, active_id),
        "neurons": [role(r) for r in m.roles],
        "symmetry": m.symmetry,
        "loss_curve": [{"step": int(step), "loss": loss} for step, loss in m.loss_curve],
    }

"""Retraining, imports and the models every registry starts with: the work behind the admin views."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from model.compare import Metrics, SeedEntry, compare_seeds, metrics
from model.data import load_coffee_data, normalization
from model.explain import Explainer
from model.network import Network, lab_network
from model.snapshots import Snapshots
from model.train import Recipe, TrainResult, train, train_seeds
from model.trajectory import Trajectory, trace
from service import present
from service.problems import Conflict, ValidationProblem
from service.registry import Registry
from service.schemas import ImportRequest, RetrainRequest
from service.stored import NewModel, StoredModel

if TYPE_CHECKING:
    from service.answers import Metrics as AnswerMetrics
    from service.answers import RecipeModel, RetrainResponse

log = logging.getLogger("roastnet.training")
DEFAULT_NAME, LAB_NAME = "default", "lab"
SEEDS_PER_BATCH = 16  # seeds trained together; progress moves one batch at a time
Progress = Callable[[int, int, int], None]  # (seeds done, step, steps) during training


def ensure_defaults(reg: Registry) -> None:
    """Store the default model (seed 1234) and the lab's weights if missing; keep an active model.

    Workers start together: the first to take the registry's lock does the work, the others
    find it done.
    """
    with reg.exclusive():
        recipe = Recipe()
        if not reg.exists(recipe.id):
            result = train(recipe)
            reg.add([as_new_model(result, name=DEFAULT_NAME)])
            log.info("trained the default model %s (seed %d)", recipe.id, recipe.seed)
        lab = lab_network()
        if not reg.exists(lab.fingerprint()):
            reg.add([NewModel(id=lab.fingerprint(), source="import", network=lab,
                              metrics=present.metrics(metrics(lab)), name=LAB_NAME)])
        changed = reg.set_active_if_missing(recipe.id)
        if changed:
            log.info("active model: %s", changed)


def as_new_model(result: TrainResult, name: str | None = None) -> NewModel:
    r = result.recipe
    return NewModel(id=r.id, source="recipe", network=result.network,
                    metrics=present.metrics(metrics(result.network, r.data_seed, r.samples)),
                    recipe=_recipe(r),
                    loss_curve=[[step, loss] for step, loss in result.loss_curve], name=name,
                    snapshots=result.snapshots)


def _recipe(r: Recipe) -> RecipeModel:
    return {"data_seed": r.data_seed, "samples": r.samples, "seed": r.seed, "init": r.init,
            "hidden_units": r.hidden_units, "steps": r.steps, "learning_rate": r.learning_rate,
            "perturbation": r.perturbation}


def check_work(req: RetrainRequest, max_work: int) -> None:
    """Refuse a retrain over the per-job work budget, saying by how much."""
    work = len(req.seeds) * req.samples * req.hidden_units * req.steps
    if work > max_work:
        raise ValidationProblem(
            f"work budget: seeds × samples × hidden_units × steps = {work:,} is over the limit of "
            f"{max_work:,} by {work - max_work:,} ({work / max_work:.2f}×); "
            "ask for fewer seeds, samples or steps")


def retrain(reg: Registry, req: RetrainRequest, max_work: int, progress: Progress | None = None,
            finish: Callable[[Any, RetrainResponse], None] | None = None) -> RetrainResponse:
    """Train one model per seed (skipping recipes already stored) and compare them.

    The new models, the activation and ``finish(db, answer)`` (a job's own bookkeeping) commit in
    one transaction: all of them or none.
    """
    check_work(req, max_work)
    recipe = Recipe(data_seed=req.data_seed, samples=req.samples, seed=req.seeds[0], init=req.init,
                    hidden_units=req.hidden_units, steps=req.steps, learning_rate=req.learning_rate,
                    perturbation=req.perturbation)
    ids = {seed: recipe.with_seed(seed).id for seed in req.seeds}
    missing = [seed for seed in req.seeds if not reg.exists(ids[seed])]
    done = len(req.seeds) - len(missing)
    new: dict[str, NewModel] = {}
    for i in range(0, len(missing), SEEDS_PER_BATCH):
        batch = missing[i:i + SEEDS_PER_BATCH]
        observe = None if progress is None else _observer(progress, done, recipe.steps)
        new |= {r.recipe.id: as_new_model(r) for r in train_seeds(recipe, batch, observe)}
        done += len(batch)
    stored = {seed: _as_stored(new[ids[seed]]) if ids[seed] in new else reg.get(ids[seed])
              for seed in req.seeds}
    snapshots = {seed: new[m.id].snapshots if m.id in new else reg.snapshots(m.id)
                 for seed, m in stored.items()}
    comparison = compare_seeds([SeedEntry(seed, m.id, m.network, req.data_seed, req.samples,
                                          metrics=Metrics(**m.metrics) if m.metrics else None,
                                          roles=m.roles,
                                          trajectory=_trace(snapshots[seed], req))
                                for seed, m in stored.items()])
    activate = ids[req.activate] if req.activate is not None else None
    answer: RetrainResponse = {
        "models": [{"id": m.id, "seed": seed, "created": False, "metrics": _measured(m),
                    "neurons": [present.role(r) for r in m.roles]} for seed, m in stored.items()],
        "comparison": present.comparison(comparison),
        "activated": activate,
    }
    with reg.transaction() as db:
        created = reg.insert(db, list(new.values()), activate=activate)
        new_ids = {m.id for m, is_new in zip(new.values(), created, strict=True) if is_new}
        for entry in answer["models"]:
            entry["created"] = entry["id"] in new_ids
        if finish is not None:
            finish(db, answer)
    return answer


def _measured(m: StoredModel) -> AnswerMetrics:
    """Return a trained model's metrics (every model a retrain stores or finds has them)."""
    assert m.metrics is not None
    return m.metrics


def _trace(snapshots: Snapshots | None, req: RetrainRequest) -> Trajectory | None:
    return None if snapshots is None else trace(snapshots, req.data_seed, req.samples)


def _observer(progress: Progress, done: int, steps: int) -> Callable[[int, np.ndarray], None]:
    def observe(step: int, _z2: np.ndarray) -> None:
        progress(done, step, steps)

    return observe


def _as_stored(m: NewModel) -> StoredModel:
    return StoredModel(id=m.id, name=m.name, source=m.source, recipe=m.recipe, metrics=m.metrics,
                       loss_curve=m.loss_curve, created_at="", network=m.network)


def import_weights(reg: Registry, req: ImportRequest) -> tuple[StoredModel, bool]:
    """Store explicit weights (default normalisation: the lab data's); return the model, is-new."""
    if req.normalization is None:
        mean, std = (v.tolist() for v in normalization(load_coffee_data()[0]))
    else:
        n = req.normalization
        mean = [n["mean"]["temperature"], n["mean"]["duration"]]
        std = [n["std"]["temperature"], n["std"]["duration"]]
    w = req.weights
    try:
        net = Network.from_dict({"W1": w.W1, "b1": w.b1, "W2": w.W2, "b2": w.b2,
                                 "normalization": {"mean": mean, "std": std}})
    except ValueError as exc:
        raise ValidationProblem(f"weights: {exc}") from None
    try:  # everything a read needs, so that a model that would fail is never stored
        Explainer(net).explain(*net.mean.tolist())
    except (ValueError, ArithmeticError) as exc:
        raise ValidationProblem(f"weights: the model cannot answer a reading: {exc}") from None
    model_id = net.fingerprint()
    if req.name is not None and reg.name_taken(req.name):
        existing = reg.get(req.name)
        if existing.id != model_id:
            raise Conflict(f"the name {req.name!r} is taken by model {existing.id}")
    [created] = reg.add([NewModel(id=model_id, source="import", network=net,
                                  metrics=present.metrics(metrics(net)),
                                  name=req.name)])
    return reg.get(model_id), created

"""Models as the registry stores them: one row each, immutable, loaded into an Explainer once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from model.compare import SymmetryReport, symmetry_report
from model.data import load_coffee_data
from model.explain import MAX_BACKGROUND, Explainer
from model.network import Network
from model.roles import Role
from model.snapshots import Snapshots

if TYPE_CHECKING:  # the CLI imports this module: no pydantic at run time for a type
    from service.answers import Metrics, RecipeModel, Source

log = logging.getLogger("roastnet.registry")

COLUMNS = "id, name, source, recipe, weights, metrics, loss_curve, created_at"


class BrokenModel(Exception):
    """A stored row that does not load; the message says why."""


@dataclass(frozen=True)
class StoredModel:
    id: str
    name: str | None
    source: Source
    recipe: RecipeModel | None
    metrics: Metrics | None
    loss_curve: list[list[float]]
    created_at: str
    network: Network = field(repr=False)

    @cached_property
    def explainer(self) -> Explainer:
        return Explainer(self.network, background(self.recipe))

    @property
    def roles(self) -> list[Role]:
        return self.explainer.roles

    @cached_property
    def symmetry(self) -> SymmetryReport:
        return symmetry_report(self.network)


def background(recipe: RecipeModel | None) -> np.ndarray | None:
    """Return the readings a recipe's model learned from (None: the lab's, for imports)."""
    if recipe is None:
        return None
    return load_coffee_data(recipe["data_seed"], min(recipe["samples"], MAX_BACKGROUND))[0]


@dataclass
class NewModel:
    id: str
    source: Source
    network: Network
    metrics: Metrics
    recipe: RecipeModel | None = None
    loss_curve: list[list[float]] = field(default_factory=list)
    name: str | None = None
    snapshots: Snapshots | None = None  # kept while training; None for imports


def dumps(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def load(row: tuple[Any, ...]) -> StoredModel:
    model_id, name, source, recipe, weights, metrics, loss_curve, created_at = row
    try:
        network = Network.from_dict(orjson.loads(weights))
        stored = StoredModel(
            id=model_id, name=name, source=source,
            recipe=orjson.loads(recipe) if recipe else None,
            metrics=orjson.loads(metrics) if metrics else None,
            loss_curve=orjson.loads(loss_curve) if loss_curve else [],
            created_at=created_at, network=network,
        )
        stored.explainer.predict_many(*network.mean.tolist())  # a model that cannot answer is broken
    except (ValueError, TypeError, ArithmeticError, KeyError, orjson.JSONDecodeError) as exc:
        log.error("model %s (%s) is stored but unusable: %s", model_id, name or "unnamed", exc)
        raise BrokenModel(f"model {model_id} is stored but unusable: {exc}") from exc
    return stored

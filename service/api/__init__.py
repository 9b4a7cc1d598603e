"""The HTTP routes, one blueprint per area."""

from __future__ import annotations

from flask import Flask

from service import metrics
from service.api import dataset, explorer, health, jobs, models, predictions


def add_routes(app: Flask, with_metrics: bool = True) -> None:
    """Register every operation, in the order openapi.yaml lists them; /metrics only with_metrics."""
    app.url_map.converters["model_ref"] = models.ModelRef
    areas = (health.bp, explorer.bp, *((metrics.bp,) if with_metrics else ()),
             predictions.bp, dataset.bp, models.bp, jobs.bp)
    for blueprint in areas:
        app.register_blueprint(blueprint)

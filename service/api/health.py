"""Liveness, readiness and the contract: GET /healthz, /readyz, /openapi.yaml."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from service import answers as a
from service.answers import Health, Ready
from service.contract import operation
from service.errors import Unavailable
from service.http import json_response, registry
from service.registry import UnknownModel
from service.stored import BrokenModel

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@operation("Liveness", "Answers 200 while the process can serve at all.", (200, a.Health))
def healthz() -> Response:
    """Answer while the process can serve at all."""
    reply: Health = {"status": "ok"}
    return json_response(reply)


@bp.get("/readyz")
@operation("Readiness: registry reachable, active model loaded",
           "Answers 200 when the registry is reachable and the active model loads, else 503.",
           (200, a.Ready), problems=(503,))
def readyz() -> Response:
    """Answer 200 when the registry is reachable and the active model answers a reading."""
    failures: tuple[type[Exception], ...] = (*registry().errors, UnknownModel, BrokenModel,
                                             ValueError, ArithmeticError)
    try:
        model = registry().active()
        model.explainer.predict_many(*model.network.mean.tolist())
    except failures as exc:
        raise Unavailable(f"not ready: {exc}") from None
    reply: Ready = {"status": "ready", "active_model": model.id}
    return json_response(reply)


@bp.get("/openapi.yaml")
@operation("This contract", "This document.", (200, "yaml"))
def openapi() -> Response:
    """Serve the OpenAPI contract."""
    return Response(current_app.config["ROASTNET_SPEC"], mimetype="application/yaml")

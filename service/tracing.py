"""OpenTelemetry tracing, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set.

The official Flask instrumentation makes a span per request (route, method, status); each span
also carries the model that answered and the request id. Off, nothing of OpenTelemetry is
imported and no hook is added. The exporter reads the standard OTEL_* variables (OTLP over
HTTP/protobuf; OTEL_SERVICE_NAME, roastnet by default).
"""

from __future__ import annotations

import os

from flask import Flask, Response, g


def enabled() -> bool:
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))


def init_app(app: Flask) -> None:
    if not enabled():
        return
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.flask import FlaskInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # One provider per worker process: gunicorn forks before the app is made (preload_app off).
    provider = TracerProvider(resource=Resource.create(
        {"service.name": os.environ.get("OTEL_SERVICE_NAME", "roastnet")}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    FlaskInstrumentor().instrument_app(app, tracer_provider=provider, excluded_urls="healthz,readyz,metrics")
    app.extensions["roastnet.tracer_provider"] = provider

    def annotate(response: Response) -> Response:
        span = trace.get_current_span()
        if span.is_recording():
            model_id = response.headers.get("X-Model-Id")
            if model_id:
                span.set_attribute("roastnet.model_id", model_id)
            request_id = g.get("request_id")
            if request_id:
                span.set_attribute("roastnet.request_id", request_id)
        return response

    app.after_request(annotate)

"""OpenTelemetry: spans reach an OTLP receiver from real gunicorn workers, and nothing is loaded when off."""

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.server import Server, free_port, until


class Receiver(ThreadingHTTPServer):
    """A minimal OTLP/HTTP trace receiver: it decodes every export it is sent."""

    def __init__(self):
        self.spans = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                export = ExportTraceServiceRequest.FromString(body)
                with server.lock:
                    for resource in export.resource_spans:
                        service = {a.key: a.value.string_value for a in resource.resource.attributes}
                        for scope in resource.scope_spans:
                            server.spans += [(service, span) for span in scope.spans]
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", free_port()), Handler)


@pytest.fixture
def receiver():
    r = Receiver()
    thread = threading.Thread(target=r.serve_forever, daemon=True)
    thread.start()
    yield r
    r.shutdown()
    r.server_close()


def _attributes(span):
    out = {}
    for a in span.attributes:
        v = a.value
        out[a.key] = v.string_value or v.int_value
    return out


def test_every_request_is_a_span_with_its_route_status_and_model(tmp_path, receiver):
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.server_address[1]}",
           "OTEL_BSP_SCHEDULE_DELAY": "50", "OTEL_SERVICE_NAME": "roastnet-under-test"}
    with Server(tmp_path / "data", workers=2, env=env) as server:
        lab = requests.get(f"{server.url}/v1/models/lab").json()["id"]
        sent = [requests.post(f"{server.url}/v1/predict?model=lab",
                              json={"temperature": 200, "duration": 13.9},
                              headers={"X-Request-ID": f"trace-{i}"}) for i in range(6)]
        assert all(r.status_code == 200 for r in sent)
        assert requests.post(f"{server.url}/v1/predict", json={"temperature": 900}).status_code == 422

        def predicts():
            with receiver.lock:
                return [(s, _attributes(span)) for s, span in receiver.spans
                        if _attributes(span).get("http.route") == "/v1/predict"]

        spans = until(lambda: len(predicts()) == 7 and predicts(), timeout=30)
    assert {s["service.name"] for s, _ in spans} == {"roastnet-under-test"}
    ok = [a for _, a in spans if a.get("http.response.status_code", a.get("http.status_code")) == 200]
    assert len(ok) == 6 and all(a["roastnet.model_id"] == lab for a in ok)
    assert sorted(a["roastnet.request_id"] for a in ok) == [f"trace-{i}" for i in range(6)]
    refused = [a for _, a in spans if a.get("http.response.status_code", a.get("http.status_code")) == 422]
    assert len(refused) == 1 and "roastnet.model_id" not in refused[0]


def test_tracing_off_adds_no_instrumentation(tmp_path):
    # (redis-py imports OpenTelemetry's API on its own when it is installed: only ours is checked)
    code = ("import sys; from service.app import create_app; from service.settings import Settings; "
            f"app = create_app(Settings(data_dir={str(tmp_path)!r})); "
            "app.test_client().post('/v1/predict', json={'temperature': 200, 'duration': 13.9}); "
            "print(sorted(m for m in sys.modules if m.startswith(('opentelemetry.instrumentation', "
            "'opentelemetry.sdk.trace', 'opentelemetry.exporter'))), "
            "'roastnet.tracer_provider' in app.extensions, "
            "any(f.__name__ == 'annotate' for f in app.after_request_funcs[None]))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "False", "False"]

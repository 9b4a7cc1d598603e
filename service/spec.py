"""Build openapi.yaml from the schemas and the route table below (``python -m service.spec``).

The committed file is what clients read; a test regenerates it and fails if the two differ.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml
from pydantic import TypeAdapter

from service import answers as a
from service import columns, operations
from service import schemas as s
from service.api.explorer import FILES
from service.settings import MAX_HEADER_FIELD, MAX_HEADER_FIELDS, MAX_URI

REF = "#/components/schemas/{model}"
READ_PROBLEMS = (404, 409, 422)  # 422: an empty ?model=
ANY_REQUEST_PROBLEMS = (414, 431)  # path and query too long; too many or too long headers
BODY_PROBLEMS = (400, 413, 415, 422)
MODEL_PARAM = {"name": "model", "in": "query", "required": False,
               "description": "id or name of the model to ask; the active model by default",
               "schema": {"type": "string", "minLength": 1}}


def _int_param(name: str, lo: int, hi: int, default: int, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "integer", "minimum": lo, "maximum": hi, "default": default}}


PREFER_PARAM = {"name": "Prefer", "in": "header", "required": False,
                "description": "wait=N (RFC 7240; N capped at ROASTNET_MAX_WAIT_SECONDS, 30 by "
                               "default): answer 201 with the finished job if it ends within N "
                               "seconds, else 202 as without it",
                # Any Prefer value is acceptable: preferences a server does not know are ignored.
                "schema": {"type": "string"}}
STATUS_PARAM = {"name": "status", "in": "query", "required": False, "description": "only jobs in this state",
                "schema": {"type": "string",
                           "enum": ["queued", "running", "succeeded", "failed", "cancelled"]}}
JOB_PARAM = {"name": "job_id", "in": "path", "required": True, "description": "job id",
             "schema": {"type": "string", "minLength": 1, "maxLength": 64}}
BASELINE_PARAM = {"name": "baseline", "in": "query", "required": False,
                  "description": "Shapley baseline: data averages over the model's training readings; "
                                 "mean compares with the mean reading alone",
                  "schema": {"type": "string", "enum": ["data", "mean"], "default": "data"}}
_NAME = "(" + "|".join(a.Prediction.__annotations__) + ")"
FIELDS_PARAM = {"name": "fields", "in": "query", "required": False,
                "description": "comma-separated prediction fields to answer with, e.g. "
                               "probability,label; without it, every field (in CSV: "
                               f"{','.join(columns.CSV_FIELDS)}). Fields that need no explanation "
                               "are answered straight from the forward pass",
                "schema": {"type": "string", "pattern": f"^ *{_NAME} *(, *{_NAME} *)*$"},
                "example": "probability,label"}
THRESHOLD_PARAM = {"name": "threshold", "in": "query", "required": False,
                   "description": "the probability at or above which a roast is good, for a "
                                  "body that does not set its own threshold (a CSV body, say); "
                                  "0.5 when left out",
                   "schema": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}}
CSV_BODY = {"schema": {"type": "string", "pattern": "^\ufeff?temperature,duration(,temperature_unit)?\r?\n",
                       "description": "a header row, then one reading per line, e.g. "
                                      "temperature,duration⏎200,13.9⏎160,13.5⏎"}}
CSV_ANSWER = {"schema": {"type": "string",
                         "description": "one row per reading after a header row, a column per field; unit "
                             "lists as neuron numbers joined by ';', hidden as numbers joined by "
                             "';', and after fired a reasons column joining their reasons with ' | '"}}
# Media types a route takes or gives besides JSON: (request, answer).
ALSO = {("post", "/v1/predict"): ({"text/csv": CSV_BODY}, {"text/csv": CSV_ANSWER})}
REF_PARAM = {"name": "ref", "in": "path", "required": True, "description": "model id or name",
             # "active" is never a {ref}: OpenAPI matches the concrete /v1/models/active first.
             "schema": {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}}
STATIC_PARAM = {"name": "name", "in": "path", "required": True, "description": "file name",
                "schema": {"type": "string", "enum": sorted(FILES)}}

# (method, path, summary, request model, (status, response model), problems, parameters, admin)
ROUTES: list[tuple] = [
    ("get", "/healthz", "Liveness", None, (200, a.Health), (), [], False),
    ("get", "/readyz", "Readiness: registry reachable, active model loaded", None, (200, a.Ready),
     (503,), [], False),
    ("get", "/openapi.yaml", "This contract", None, (200, "yaml"), (), [], False),
    ("get", "/", "The roast explorer page", None, (200, "html"), (), [], False),
    ("get", "/explorer", "The roast explorer page", None, (200, "html"), (), [], False),
    ("get", "/static/{name}", "A stylesheet or ES module of the explorer page", None,
     (200, "static"), (404,), [STATIC_PARAM], False),
    ("get", "/metrics", "Prometheus metrics of every worker (404 when ROASTNET_METRICS=false)", None,
     (200, "text"), (), [], False),
    ("post", "/v1/predict", "Good or bad roast, fired units and reasons",
     (s.SingleRequest, s.BatchRequest), (200, a.PredictAnswer), BODY_PROBLEMS + READ_PROBLEMS,
     [MODEL_PARAM, FIELDS_PARAM, THRESHOLD_PARAM], False),
    ("post", "/v1/explain", "Full explanation: units, Shapley values, counterfactuals",
     (s.SingleRequest, s.ExplainBatchRequest), (200, a.ExplainResponse), BODY_PROBLEMS + READ_PROBLEMS,
     [MODEL_PARAM, BASELINE_PARAM], False),
    ("get", "/v1/neurons", "Roles of the hidden units", None, (200, a.NeuronsResponse),
     READ_PROBLEMS, [MODEL_PARAM], False),
    ("get", "/v1/maps", "Probability and activation grids for heat maps", None,
     (200, a.MapsResponse), READ_PROBLEMS,
     [MODEL_PARAM, _int_param("resolution", 2, 200, 50, "grid points per axis")], False),
    ("get", "/v1/dataset", "The training data, labels and normalisation", None,
     (200, a.DatasetResponse), (422,),
     [_int_param("data_seed", 0, 2**32 - 1, 2, "the generator's seed")], False),
    ("get", "/v1/models", "Stored models, newest first", None, (200, a.ModelList), (422,),
     [_int_param("limit", 1, 500, 50, "page size"), _int_param("offset", 0, 10**9, 0, "skip")],
     False),
    ("post", "/v1/models", "Import explicit weights (201 new, 200 already stored)", s.ImportRequest,
     (201, a.ModelDetail), BODY_PROBLEMS + (409,), [], True),
    ("put", "/v1/models/active", "Make a model active", s.ActivateRequest, (200, a.ModelDetail),
     BODY_PROBLEMS + READ_PROBLEMS, [], True),
    ("get", "/v1/models/active", "The active model in full", None, (200, a.ModelDetail), (404, 409),
     [], False),
    ("get", "/v1/models/{ref}", "One model in full", None, (200, a.ModelDetail), (404, 409),
     [REF_PARAM], False),
    ("delete", "/v1/models/{ref}", "Delete a model that is not active", None, (204, None),
     (404, 409), [REF_PARAM], True),
    ("get", "/v1/models/{ref}/trajectory", "How the model's units moved while it trained", None,
     (200, a.TrajectoryResponse), (404, 409), [REF_PARAM], False),
    ("post", "/v1/retrain",
     "Queue a retrain: one model per seed, compared (a job; 201 inline with Prefer: wait=N)",
     s.RetrainRequest, (202, a.Job), BODY_PROBLEMS, [PREFER_PARAM], True),
    ("get", "/v1/jobs", "Retrain jobs, newest first", None, (200, a.JobList), (422,),
     [_int_param("limit", 1, 500, 50, "page size"), _int_param("offset", 0, 10**9, 0, "skip"),
      STATUS_PARAM], False),
    ("get", "/v1/jobs/{job_id}", "One job: status, progress, result or problem", None, (200, a.Job),
     (404,), [JOB_PARAM], False),
    ("delete", "/v1/jobs/{job_id}", "Cancel a queued or running job", None, (200, a.Job), (404, 409),
     [JOB_PARAM], True),
]
# Second successful answers: (status, description).
EXTRA_OK = {
    ("post", "/v1/models"): (200, "Already stored"),
    ("post", "/v1/retrain"): (201, "The job finished within Prefer: wait=N; it is inline"),
}
LOCATION = {"description": "the job: /v1/jobs/{id}", "schema": {"type": "string"}}
RESPONSE_HEADERS = {
    ("post", "/v1/retrain"): {
        202: {"Location": LOCATION},
        201: {"Location": LOCATION,
              "Preference-Applied": {"description": "wait=N, the wait that was honoured (RFC 7240)",
                                     "schema": {"type": "string"}}},
    },
}

def _operation_id(method: str, path: str) -> str:
    words = [w.strip("{}") for w in path.replace(".", "/").replace("_", "/").split("/") if w and w != "v1"]
    return method + "".join(w.capitalize() for w in words)


def _link(operation: tuple[str, str], parameter: str, pointer: str, description: str) -> dict[str, Any]:
    return {"operationId": _operation_id(*operation), "parameters": {parameter: f"$response.body#{pointer}"},
            "description": description}


_MODEL = ("get", "/v1/models/{ref}")
_JOB = ("get", "/v1/jobs/{job_id}")
# What a client can ask next with what an answer holds (schemathesis's stateful phase follows these).
LINKS = {
    ("post", "/v1/retrain"): {
        202: {"GetJob": _link(_JOB, "job_id", "/id", "the queued job"),
              "CancelJob": _link(("delete", "/v1/jobs/{job_id}"), "job_id", "/id", "cancel it")},
        201: {"GetJob": _link(_JOB, "job_id", "/id", "the finished job"),
              "GetModel": _link(_MODEL, "ref", "/result/models/0/id", "the first seed's model"),
              "GetTrajectory": _link(("get", "/v1/models/{ref}/trajectory"), "ref", "/result/models/0/id",
                                     "how the first seed's units moved while it trained")},
    },
    ("post", "/v1/models"): {
        code: {"GetModel": _link(_MODEL, "ref", "/id", "the imported model"),
               "DeleteModel": _link(("delete", "/v1/models/{ref}"), "ref", "/id", "delete it")}
        for code in (200, 201)},
    ("put", "/v1/models/active"): {200: {"GetModel": _link(_MODEL, "ref", "/id", "the active model")}},
}

STATUS_TEXT = {200: "OK", 201: "Created", 202: "Accepted: the job is queued or running; poll Location",
               204: "No content"}
PROBLEM_TEXT = {
    400: "malformed JSON", 401: "missing or wrong admin token",
    404: "no such model, job or file (for a trajectory: or the model has none)",
    409: "conflict: the model is active, the name is taken, the stored model is unusable, "
         "or the job has already finished",
    413: "body over the size limit", 414: f"path and query longer than {MAX_URI} bytes",
    405: "this path does not answer that method; Allow lists the ones it does",
    415: "body is not application/json (or text/csv where the route takes it), or its "
         "Content-Encoding is neither gzip nor identity",
    431: f"more than {MAX_HEADER_FIELDS} header fields, or one over {MAX_HEADER_FIELD // 1024} KiB",
    422: "the request is well-formed but not valid (the detail names the field)", 503: "not ready",
}


def _models() -> list[type]:
    found = [a.ProblemDetail]
    for route in ROUTES:
        req, (_, resp) = route[3], route[4]
        for m in (req if isinstance(req, tuple) else (req,)):
            if m is not None:
                found.append(m)
        if isinstance(resp, type):
            found.append(resp)
    return list(dict.fromkeys(found))


def _schemas(models: list[type]) -> dict[str, Any]:
    """Return the component schemas of ``models`` (TypedDict answers, pydantic requests) and all
    they refer to, each under its class name."""
    _, top = TypeAdapter.json_schemas([(m, "validation", TypeAdapter(m)) for m in models],
                                      ref_template=REF)
    return top.get("$defs", {})


def build() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document as a dict."""
    components = _schemas(_models())
    paths: dict[str, dict[str, Any]] = {}
    for method, path, summary, req, (status, resp), problems, params, admin in ROUTES:
        op: dict[str, Any] = {"tags": [operations.tag(path)], "summary": summary,
                              "description": operations.DESCRIPTIONS[method, path],
                              "operationId": _operation_id(method, path), "responses": {}}
        if params:
            op["parameters"] = params
        if req is not None:
            options = [{"$ref": REF.format(model=m.__name__)}
                       for m in (req if isinstance(req, tuple) else (req,))]
            schema = options[0] if len(options) == 1 else {"oneOf": options}
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema},
                                                                **ALSO.get((method, path), ({}, {}))[0]}}
        ok: dict[str, Any] = {"description": STATUS_TEXT[status]}
        if resp == "yaml":
            ok["content"] = {"application/yaml": {"schema": {"type": "string"}}}
        elif resp == "html":
            ok["content"] = {"text/html": {"schema": {"type": "string"}}}
        elif resp == "static":
            ok["content"] = {t: {"schema": {"type": "string"}} for t in ("text/css", "text/javascript")}
        elif resp == "text":
            ok["content"] = {"text/plain": {"schema": {"type": "string"}}}
        elif resp is not None:
            ok["content"] = {"application/json": {"schema": {"$ref": REF.format(model=resp.__name__)}},
                             **ALSO.get((method, path), ({}, {}))[1]}
        op["responses"][str(status)] = {**ok, "headers": operations.response_headers(method, path, status)}
        if (method, path) in EXTRA_OK:
            extra, text = EXTRA_OK[(method, path)]
            op["responses"][str(extra)] = {**ok, "description": text,
                                           "headers": operations.response_headers(method, path, extra)}
        for code, headers in RESPONSE_HEADERS.get((method, path), {}).items():
            op["responses"][str(code)]["headers"] = {**op["responses"][str(code)].get("headers", {}),
                                                      **headers}
        for code, links in LINKS.get((method, path), {}).items():
            op["responses"][str(code)]["links"] = links
        if method == "get" and path != "/metrics":
            op["responses"]["304"] = {"description": "Not modified: If-None-Match holds this ETag",
                                      "headers": operations.response_headers(method, path, 304)}
        codes = set(problems) | ({401} if admin else set()) | set(ANY_REQUEST_PROBLEMS) | {405}
        for code in sorted(codes):
            op["responses"][str(code)] = {
                "description": PROBLEM_TEXT[code],
                "headers": operations.response_headers(method, path, code),
                "content": {"application/problem+json": {
                    "schema": {"$ref": REF.format(model="ProblemDetail")}}},
            }
        op["security"] = [{"bearerAuth": []}] if admin else []
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "roastnet",
            "version": "0.1.0",
            "description": (
                "An explainable coffee-roasting network. Every answer says good or bad roast, which "
                "hidden unit fired and why, in roast words. Errors are RFC 9457 problem+json. "
                "Every GET answers HEAD with the same headers. Answers over 1 KiB are compressed "
                "(zstd, br or gzip) when Accept-Encoding asks. Browsers on the origins the server "
                "lists in ROASTNET_CORS_ORIGINS get their preflights (OPTIONS) answered with 204 "
                "and Access-Control-* headers on every answer; OPTIONS is otherwise 405."),
        },
        "servers": [{"url": "/", "description": "the server that serves this document"}],
        "tags": operations.TAGS,
        "paths": paths,
        "components": {
            "schemas": components,
            "headers": operations.components(),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }


def render() -> str:
    return yaml.safe_dump(build(), sort_keys=False, allow_unicode=True, width=100)


if __name__ == "__main__":
    sys.stdout.write(render())

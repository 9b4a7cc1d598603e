"""Build openapi.yaml from the schemas and the contracts the views wear (``python -m service.spec``).

The operations are the app's routes: each view declares its contract with ``@operation``
(service/contract.py), and this module walks the url_map to write them out. The committed file is
what clients read; a test regenerates it and fails if the two differ.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import yaml
from flask import Flask
from pydantic import TypeAdapter

from service import answers as a
from service import operations
from service.api import add_routes
from service.contract import CONTRACTS, Contract, Link
from service.settings import MAX_HEADER_FIELD, MAX_HEADER_FIELDS, MAX_URI

REF = "#/components/schemas/{model}"
ANY_REQUEST_PROBLEMS = (414, 431)  # path and query too long; too many or too long headers
TEXT_ANSWERS = {"yaml": ("application/yaml",), "html": ("text/html",), "text": ("text/plain",),
                "static": ("text/css", "text/javascript")}


def operations_of(app: Flask) -> list[tuple[str, str, Contract]]:
    """Return (method, OpenAPI path, contract) for every route of the app, in registration order."""
    found = []
    for rule in app.url_map.iter_rules():
        contract = CONTRACTS.get(app.view_functions[rule.endpoint])
        if contract is None:
            raise LookupError(f"{rule.rule} has no @operation contract")
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        declared = {p.name for p in contract.params if p.where == "path"}
        if declared != set(rule.arguments):
            raise LookupError(f"{rule.rule} takes {sorted(rule.arguments)}; "
                              f"its contract declares {sorted(declared)}")
        methods = rule.methods or set()  # Flask gives every rule its methods; werkzeug allows none
        found += [(m.lower(), path, contract) for m in sorted(methods - {"HEAD", "OPTIONS"})]
    return found


def routes() -> Flask:
    """Return an app with every route and nothing else: no settings, registry or hooks."""
    app = Flask(__name__, static_folder=None)
    add_routes(app)
    return app


def _operation_id(method: str, path: str) -> str:
    words = [w.strip("{}") for w in path.replace(".", "/").replace("_", "/").split("/") if w and w != "v1"]
    return method + "".join(w.capitalize() for w in words)


def _link(link: Link, known: set[tuple[str, str]]) -> dict[str, Any]:
    if (link.method, link.path) not in known:
        raise LookupError(f"a link names {link.method} {link.path}, which is no operation")
    return {"operationId": _operation_id(link.method, link.path),
            "parameters": {link.parameter: f"$response.body#{link.pointer}"},
            "description": link.description}


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


def _bodies(contract: Contract) -> tuple[type, ...]:
    body = contract.body
    return body if isinstance(body, tuple) else () if body is None else (body,)


def _models(ops: list[tuple[str, str, Contract]]) -> list[type]:
    found: list[type] = [a.ProblemDetail]
    for _, _, contract in ops:
        found += _bodies(contract)
        if isinstance(contract.answer[1], type):
            found.append(contract.answer[1])
    return list(dict.fromkeys(found))


def _operation(method: str, path: str, c: Contract, known: set[tuple[str, str]]) -> dict[str, Any]:
    op: dict[str, Any] = {"tags": [operations.tag(path)], "summary": c.summary, "description": c.description,
                          "operationId": _operation_id(method, path), "responses": {}}
    if c.params:
        op["parameters"] = [p.spec() for p in c.params]
    if c.body is not None:
        options = [{"$ref": REF.format(model=m.__name__)} for m in _bodies(c)]
        schema = options[0] if len(options) == 1 else {"oneOf": options}
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": schema}, **c.media[0]}}
    status, resp = c.answer
    ok: dict[str, Any] = {"description": STATUS_TEXT[status]}
    if isinstance(resp, str):
        ok["content"] = {t: {"schema": {"type": "string"}} for t in TEXT_ANSWERS[resp]}
    elif resp is not None:
        ok["content"] = {"application/json": {"schema": {"$ref": REF.format(model=resp.__name__)}},
                         **c.media[1]}
    responses = op["responses"]
    responses[str(status)] = {**ok, "headers": operations.response_headers(method, c, status)}
    if c.also_ok is not None:
        extra, text = c.also_ok
        responses[str(extra)] = {**ok, "description": text,
                                 "headers": operations.response_headers(method, c, extra)}
    for code, links in c.links.items():
        responses[str(code)]["links"] = {name: _link(link, known) for name, link in links.items()}
    if method == "get" and c.cached:
        responses["304"] = {"description": "Not modified: If-None-Match holds this ETag",
                            "headers": operations.response_headers(method, c, 304)}
    for code in sorted({*c.problems, *((401,) if c.admin else ()), *ANY_REQUEST_PROBLEMS, 405}):
        responses[str(code)] = {
            "description": PROBLEM_TEXT[code],
            "headers": operations.response_headers(method, c, code),
            "content": {"application/problem+json": {"schema": {"$ref": REF.format(model="ProblemDetail")}}},
        }
    op["security"] = [{"bearerAuth": []}] if c.admin else []
    return op


def _schemas(models: list[type]) -> dict[str, Any]:
    """Return the component schemas of ``models`` (TypedDict answers, pydantic requests) and all
    they refer to, each under its class name."""
    _, top = TypeAdapter.json_schemas([(m, "validation", TypeAdapter(m)) for m in models],
                                      ref_template=REF)
    return top.get("$defs", {})


def build() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document as a dict."""
    ops = operations_of(routes())
    components = _schemas(_models(ops))
    known = {(method, path) for method, path, _ in ops}
    paths: dict[str, dict[str, Any]] = {}
    for method, path, contract in ops:
        paths.setdefault(path, {})[method] = _operation(method, path, contract, known)
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


class _Dumper(yaml.SafeDumper):
    """Write a parameter shared by two operations out in full at each, never as a YAML alias."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def render() -> str:
    return yaml.dump(build(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


if __name__ == "__main__":
    sys.stdout.write(render())

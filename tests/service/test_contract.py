"""Every route wears a contract, and openapi.yaml's bounds and security are what the views enforce."""

from pathlib import Path

import pytest
import yaml
from flask import Flask

from service.api import add_routes
from service.contract import CONTRACTS, Param, operation
from service.spec import operations_of

SPEC = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text())
OPERATIONS = [(method, path, op) for path, ops in SPEC["paths"].items() for method, op in ops.items()]
# A value for each path parameter: a model and a file that exist, a job that does not.
PATH_VALUES = {"ref": "lab", "job_id": "no-such-job", "name": "explorer.css"}


def test_every_route_has_a_contract_and_every_contract_a_route(app):
    views = {app.view_functions[rule.endpoint] for rule in app.url_map.iter_rules()}
    assert views <= set(CONTRACTS), "a route without @operation"
    assert set(CONTRACTS) <= views, "an @operation on a view no route calls"


def test_a_route_without_a_contract_stops_the_spec():
    app = Flask(__name__, static_folder=None)
    add_routes(app)
    app.add_url_rule("/v1/secret", "secret", lambda: "")
    with pytest.raises(LookupError, match="/v1/secret has no @operation"):
        operations_of(app)


def test_a_path_parameter_the_contract_does_not_declare_stops_the_spec():
    app = Flask(__name__, static_folder=None)
    thing = Param("thing", "path", "a thing", {"type": "string"})
    view = operation("A thing", "A thing.", (200, "text"), params=(thing,))(lambda other: "")
    app.add_url_rule("/things/<other>", "thing", view)
    try:
        with pytest.raises(LookupError, match=r"takes \['other'\]; its contract declares \['thing'\]"):
            operations_of(app)
    finally:
        del CONTRACTS[view]


def _url(path):
    for name, value in PATH_VALUES.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, path
    return path


INTEGER_QUERIES = [
    (path, p["name"], p["schema"]["minimum"], p["schema"]["maximum"])
    for method, path, op in OPERATIONS if method == "get"
    for p in op.get("parameters", []) if p["in"] == "query" and p["schema"]["type"] == "integer"
]


def test_the_spec_declares_the_integer_queries_we_expect():
    assert sorted((path, name) for path, name, _, _ in INTEGER_QUERIES) == [
        ("/v1/dataset", "data_seed"), ("/v1/jobs", "limit"), ("/v1/jobs", "offset"),
        ("/v1/maps", "resolution"), ("/v1/models", "limit"), ("/v1/models", "offset")]


@pytest.mark.parametrize(("path", "name", "lo", "hi"), INTEGER_QUERIES,
                         ids=[f"{q[0]}?{q[1]}" for q in INTEGER_QUERIES])
def test_integer_query_bounds_in_the_spec_are_the_ones_enforced(client, path, name, lo, hi):
    for outside in (lo - 1, hi + 1):
        r = client.get(f"{_url(path)}?{name}={outside}")
        assert r.status_code == 422 and r.mimetype == "application/problem+json", (name, outside)
        assert f"{name} must be a whole number from {lo} to {hi}" in r.json["detail"]
    for edge in (lo, hi):
        r = client.get(f"{_url(path)}?{name}={edge}")
        assert r.status_code == 200, (name, edge, r.json)


@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_the_operations_the_spec_secures_and_only_those_refuse_a_call_without_the_token(
        fresh_client, method, path, op):
    r = fresh_client.open(_url(path), method=method.upper())
    secured = op["security"] == [{"bearerAuth": []}]
    assert (r.status_code == 401) == secured, r.status_code
    if secured:
        assert r.headers["WWW-Authenticate"].startswith("Bearer")

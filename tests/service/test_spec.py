"""openapi.yaml, the routes and the schemas say the same thing."""

import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from service.spec import render

SPEC_FILE = Path(__file__).resolve().parents[2] / "openapi.yaml"


@pytest.fixture(scope="module")
def spec():
    return yaml.safe_load(SPEC_FILE.read_text())


def test_spec_is_valid_openapi_31(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.1")


def test_spec_file_is_generated_from_the_schemas():
    assert SPEC_FILE.read_text() == render(), "run `make spec` and commit openapi.yaml"


def test_routes_and_spec_paths_are_the_same_set(app, spec):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        routes |= {(m.lower(), path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert routes == documented


def _validator(spec, name):
    resource = DRAFT202012.create_resource({"components": spec["components"]})
    registry = Registry().with_resource("urn:spec", resource)
    schema = {"$ref": f"urn:spec#/components/schemas/{name}"}
    return Draft202012Validator(schema, registry=registry)


def _response_schema(spec, method, path, status):
    response = spec["paths"][path][method]["responses"][str(status)]
    [(media, body)] = response["content"].items()
    return media, body["schema"]["$ref"].rsplit("/", 1)[-1]


REAL_CALLS = [
    ("post", "/v1/predict", "/v1/predict?model=lab", {"temperature": 160, "duration": 13.5}, 200),
    ("post", "/v1/predict", "/v1/predict", {"readings": [{"temperature": 200, "duration": 13.9}] * 9}, 200),
    ("post", "/v1/explain", "/v1/explain", {"temperature": 230, "duration": 14.5}, 200),
    ("post", "/v1/explain", "/v1/explain", {"temperature": 160, "duration": 13.5}, 200),
    ("get", "/v1/neurons", "/v1/neurons", None, 200),
    ("get", "/v1/maps", "/v1/maps?resolution=4", None, 200),
    ("get", "/v1/dataset", "/v1/dataset", None, 200),
    ("get", "/v1/models", "/v1/models", None, 200),
    ("get", "/v1/models/{ref}", "/v1/models/lab", None, 200),
    ("get", "/v1/models/{ref}", "/v1/models/nope", None, 404),
    ("get", "/healthz", "/healthz", None, 200),
    ("get", "/readyz", "/readyz", None, 200),
    ("post", "/v1/predict", "/v1/predict", {"temperature": "x"}, 422),
    ("post", "/v1/retrain", "/v1/retrain", {"seeds": [1]}, 401),
]


@pytest.mark.parametrize(("method", "path", "url", "body", "status"), REAL_CALLS,
                         ids=[f"{c[0]} {c[2]} {c[4]}" for c in REAL_CALLS])
def test_real_responses_match_the_spec(client, spec, method, path, url, body, status):
    r = client.open(url, method=method.upper(), json=body)
    assert r.status_code == status
    media, name = _response_schema(spec, method, path, status)
    assert r.mimetype == media
    _validator(spec, name).validate(r.json)

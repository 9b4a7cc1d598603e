"""openapi.yaml is valid, generated, and says what the real answers are."""

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


def _validator(spec, name):
    resource = DRAFT202012.create_resource({"components": spec["components"]})
    registry = Registry().with_resource("urn:spec", resource)
    schema = {"$ref": f"urn:spec#/components/schemas/{name}"}
    return Draft202012Validator(schema, registry=registry)


def _response_schema(spec, method, path, status):
    response = spec["paths"][path][method]["responses"][str(status)]
    media, body = next(iter(response["content"].items()))  # JSON first; other types follow it
    return media, body["schema"]["$ref"].rsplit("/", 1)[-1]


REAL_CALLS = [
    ("post", "/v1/predict", "/v1/predict?model=lab", {"temperature": 160, "duration": 13.5}, 200),
    ("post", "/v1/predict", "/v1/predict", {"readings": [{"temperature": 200, "duration": 13.9}] * 9}, 200),
    ("post", "/v1/predict", "/v1/predict?fields=probability,label,closest",
     {"readings": [{"temperature": 200, "duration": 13.9}] * 2}, 200),
    ("post", "/v1/explain", "/v1/explain", {"temperature": 230, "duration": 14.5}, 200),
    ("post", "/v1/explain", "/v1/explain", {"temperature": 160, "duration": 13.5}, 200),
    ("get", "/v1/neurons", "/v1/neurons", None, 200),
    ("get", "/v1/maps", "/v1/maps?resolution=4", None, 200),
    ("get", "/v1/dataset", "/v1/dataset", None, 200),
    ("get", "/v1/models", "/v1/models", None, 200),
    ("get", "/v1/models/{ref}", "/v1/models/lab", None, 200),
    ("get", "/v1/models/{ref}", "/v1/models/nope", None, 404),
    ("get", "/v1/models/active", "/v1/models/active", None, 200),
    ("get", "/v1/neurons", "/v1/neurons?model=lab", None, 200),
    ("post", "/v1/predict", "/v1/predict", {"temperature": 200, "duration": 13.9, "humidity": 1}, 422),
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


@pytest.mark.parametrize(("method", "path", "url", "body", "status"), REAL_CALLS,
                         ids=[f"{c[0]} {c[2]} {c[4]}" for c in REAL_CALLS])
def test_real_answers_carry_the_declared_headers(client, spec, method, path, url, body, status):
    r = client.open(url, method=method.upper(), json=body)
    declared = spec["paths"][path][method]["responses"][str(status)].get("headers", {})
    for name, ref in declared.items():
        header = spec["components"]["headers"][ref["$ref"].rsplit("/", 1)[-1]]
        if header["required"]:
            assert name in r.headers, name
    if method == "get" and status == 200:
        again = client.open(url, headers={"If-None-Match": r.headers["ETag"]})
        assert again.status_code == 304 and "304" in spec["paths"][path][method]["responses"]


def test_every_operation_has_a_tag_a_description_and_says_its_security(spec):
    tags = {t["name"] for t in spec["tags"]}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op["tags"] and set(op["tags"]) <= tags, (method, path)
            assert op["description"].strip(), (method, path)
            assert "security" in op and "405" in op["responses"], (method, path)
            assert (op["security"] == []) == ("401" not in op["responses"]), (method, path)
    assert not any(":" in urlsplit_port(s["url"]) for s in spec["servers"])


def urlsplit_port(url):
    from urllib.parse import urlsplit

    return urlsplit(url).netloc


def test_405_names_the_allowed_methods(client, spec):
    r = client.patch("/v1/models/lab")
    assert r.status_code == 405
    assert set(r.headers["Allow"].split(", ")) - {"HEAD", "OPTIONS"} == {
        m.upper() for m in spec["paths"]["/v1/models/{ref}"]}


def test_the_active_model_and_a_new_import_s_location(fresh_client, auth):
    active = fresh_client.get("/v1/models/active")
    assert active.status_code == 200 and active.json["active"] is True
    assert active.json == fresh_client.get(f"/v1/models/{active.json['id']}").json
    weights = {"W1": [[-8.0, 0.3, 12.0], [-0.2, -7.0, 10.0]], "b1": [-9.0, -9.0, 1.0],
               "W2": [[-30.0], [-27.0], [-32.0]], "b2": [15.0]}
    r = fresh_client.post("/v1/models", json={"name": "mine", "weights": weights}, headers=auth)
    assert r.status_code == 201 and r.headers["Location"] == f"/v1/models/{r.json['id']}"
    assert fresh_client.get(r.headers["Location"]).json["name"] == "mine"
    again = fresh_client.post("/v1/models", json={"weights": weights}, headers=auth)
    assert again.status_code == 200 and "Location" not in again.headers

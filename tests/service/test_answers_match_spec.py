"""Every JSON answer the routes give, held against the committed openapi.yaml by jsonschema.

mypy holds the code that builds an answer to its TypedDict; this holds what the server really
sends to the contract clients read, objects closed (no key the schema does not name), so that a
renamed, missing or mistyped field fails here whichever side drifted.
"""

import copy
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from service.trainer import start_in_thread
from tests.service.conftest import make_app

SPEC = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text())
WEIGHTS = {"W1": [[-8.0, 0.3, 12.0], [-0.2, -7.0, 10.0]], "b1": [-9.0, -9.0, 1.0],
           "W2": [[-30.0], [-27.0], [-32.0]], "b2": [15.0]}
SMALL = {"steps": 300}  # a retrain of a few hundred steps: quick, and it keeps a trajectory


def _closed(node):
    """Return the schemas with every object that lists its properties closed to others."""
    if isinstance(node, dict):
        node = {k: _closed(v) for k, v in node.items()}
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [_closed(v) for v in node]
    return node


COMPONENTS = _closed(copy.deepcopy(SPEC["components"]))
REGISTRY = Registry().with_resource("urn:spec", DRAFT202012.create_resource({"components": COMPONENTS}))


def _json_answers():
    """Return every (method, path, status) the spec answers with application/json."""
    return {(method, path, int(status)) for path, ops in SPEC["paths"].items()
            for method, op in ops.items() for status, response in op["responses"].items()
            if "application/json" in response.get("content", {})}


class Checked:
    """A test client whose answers are validated against the spec as they come."""

    def __init__(self, app, auth):
        self.app, self.client, self.auth, self.seen = app, app.test_client(), auth, set()

    def __call__(self, method, path, url, status, body=None, headers=None):
        r = self.client.open(url, method=method.upper(), json=body, headers={**self.auth, **(headers or {})})
        assert r.status_code == status, r.get_data(as_text=True)
        content = SPEC["paths"][path][method]["responses"][str(status)]["content"]
        assert r.mimetype in content, r.mimetype
        ref = content[r.mimetype]["schema"]["$ref"].replace("#/", "urn:spec#/")
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                  for e in Draft202012Validator({"$ref": ref}, registry=REGISTRY).iter_errors(r.json)]
        assert not errors, f"{method.upper()} {url} {status} is not its {ref}:\n" + "\n".join(errors)
        self.seen.add((method, path, status))
        return r.json


@pytest.fixture
def checked(tmp_path, auth):
    return Checked(make_app(tmp_path / "data"), auth)


def test_every_json_answer_matches_the_spec(checked):
    call = checked
    call("get", "/healthz", "/healthz", 200)
    call("get", "/readyz", "/readyz", 200)
    call("post", "/v1/predict", "/v1/predict", 200, {"readings": [{"temperature": 200, "duration": 13.9},
                                                                  {"temperature": 160, "duration": 13.5}]})
    call("post", "/v1/predict", "/v1/predict?fields=probability,closest&model=lab", 200,
         {"temperature": 390, "duration": 16, "temperature_unit": "F"})
    for query in ("layout=columns", "layout=columns&fields=label,hidden,closest"):
        call("post", "/v1/predict", f"/v1/predict?{query}", 200, {"readings": [
            {"temperature": 200, "duration": 13.9},
            {"temperature": 320, "duration": 13.5, "temperature_unit": "F"}]})
    for body in ({"temperature": 160, "duration": 13.5}, {"temperature": 230, "duration": 14.5}):
        call("post", "/v1/explain", "/v1/explain?baseline=mean", 200, body)
    call("get", "/v1/neurons", "/v1/neurons", 200)
    call("get", "/v1/maps", "/v1/maps?resolution=3", 200)
    call("get", "/v1/dataset", "/v1/dataset?data_seed=5", 200)
    call("get", "/v1/models/active", "/v1/models/active", 200)
    call("get", "/v1/models/{ref}", "/v1/models/lab", 200)
    call("post", "/v1/models", "/v1/models", 201, {"name": "mine", "weights": WEIGHTS})
    call("post", "/v1/models", "/v1/models", 200, {"weights": WEIGHTS})
    call("put", "/v1/models/active", "/v1/models/active", 200, {"id": "mine"})

    # No trainer yet: this job stays queued, so that cancelling it answers 200.
    queued = call("post", "/v1/retrain", "/v1/retrain", 202, {"seeds": [7], **SMALL})
    call("delete", "/v1/jobs/{job_id}", f"/v1/jobs/{queued['id']}", 200)
    trainer = start_in_thread(checked.app.config["ROASTNET"])
    try:
        job = call("post", "/v1/retrain", "/v1/retrain", 201, {"seeds": [1, 2], "activate": 2, **SMALL},
                   {"Prefer": "wait=60"})
    finally:
        trainer.stop.set()
        trainer.thread.join(30)
    assert job["status"] == "succeeded" and len(job["result"]["comparison"]["seeds"]) == 2
    call("get", "/v1/jobs/{job_id}", f"/v1/jobs/{job['id']}", 200)
    call("get", "/v1/jobs", "/v1/jobs", 200)
    model_id = job["result"]["models"][0]["id"]
    call("get", "/v1/models/{ref}/trajectory", f"/v1/models/{model_id}/trajectory", 200)
    listed = call("get", "/v1/models", "/v1/models", 200)
    assert {"lab", "mine"} <= {m["name"] for m in listed["models"]}

    assert _json_answers() - checked.seen == set(), "a JSON answer of the spec that no call here checks"

"""A client generated from openapi.yaml by openapi-python-client calls every operation right.

The generator is a third party's reading of the contract: it builds typed models from the
schemas and parses every answer with them, so an answer the spec does not describe fails here.
"""

import importlib
import shutil
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import numpy as np
import pytest

from model.network import lab_network
from tests import reference
from tests.server import ROOT, TOKEN, Server

GENERATOR = shutil.which("openapi-python-client", path=str(ROOT / ".venv" / "bin")) or shutil.which(
    "openapi-python-client")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("client") / "roastnet_client"
    assert GENERATOR, "openapi-python-client is a dev dependency: make install"
    done = subprocess.run([GENERATOR, "generate", "--path", str(ROOT / "openapi.yaml"),
                           "--output-path", str(out), "--meta", "none"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    # The two media types it cannot type (application/yaml, text/csv) are the only warnings.
    said = done.stdout + done.stderr
    assert said.count("WARNING parsing") == 2, said
    assert "Unsupported content type text/csv" in said and "application/yaml" in said, said
    sys.path.insert(0, str(out.parent))
    try:
        yield importlib.import_module(out.name)
    finally:
        sys.path.remove(str(out.parent))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with Server(tmp_path_factory.mktemp("gen") / "data", workers=2, trainer=True) as s:
        yield s


def _api(generated, module):
    return importlib.import_module(f"{generated.__name__}.{module}")


def test_every_operation_through_the_generated_client(generated, server):
    with generated.AuthenticatedClient(base_url=server.url, token=TOKEN,
                                       raise_on_unexpected_status=True) as client, \
            generated.Client(base_url=server.url, raise_on_unexpected_status=True) as public, \
            generated.Client(base_url=server.url) as lenient:  # application/yaml is not a type it makes
        _every_operation(generated, client, public, lenient)


def _every_operation(generated, client, public, lenient):
    models = _api(generated, "models")
    call = {}  # operation -> parsed answer

    def op(tag, operation, c=public, **kwargs):
        response = _api(generated, f"api.{tag}.{operation}").sync_detailed(client=c, **kwargs)
        call[operation] = response
        return response

    assert op("service", "get_healthz").parsed.status == "ok"
    assert op("service", "get_readyz").parsed.status == "ready"
    assert op("service", "get_openapi_yaml", c=lenient).content.startswith(b"openapi: 3.1.0")
    assert op("service", "get_metrics").status_code == HTTPStatus.OK

    lab = lab_network()
    one = op("roasts", "post_predict", body=models.SingleRequest(temperature=200.0, duration=13.9),
             model="lab").parsed
    assert isinstance(one, models.PredictResponse), (type(one), call["post_predict"].content[:300])
    assert one.predictions[0].probability == pytest.approx(float(reference.proba(lab, 200.0, 13.9)),
                                                           rel=1e-12)
    batch = models.BatchRequest(readings=[models.Reading(temperature=t, duration=13.5)
                                          for t in (160.0, 200.0, 392.0)], threshold=0.5)
    batch.readings[2].temperature_unit = models.ReadingTemperatureUnit.F
    trimmed = op("roasts", "post_predict", body=batch, model="lab", fields="probability,label").parsed
    assert isinstance(trimmed, models.PartialPredictResponse)
    assert [p.label.value for p in trimmed.predictions] == [
        "good" if p >= 0.5 else "bad" for p in reference.proba(lab, [160.0, 200.0, 200.0], 13.5)]
    by_field = op("roasts", "post_predict", body=batch, model="lab", fields="probability,label",
                  layout=models.PostPredictLayout.COLUMNS).parsed
    assert isinstance(by_field, models.ColumnsPredictResponse)
    assert [x.value for x in by_field.predictions.label] == [p.label.value for p in trimmed.predictions]
    np.testing.assert_allclose(by_field.predictions.probability,
                               reference.proba(lab, [160.0, 200.0, 200.0], 13.5), rtol=1e-12)
    explained = op("roasts", "post_explain", body=models.SingleRequest(temperature=160.0, duration=13.5),
                   model="lab").parsed
    assert explained.predictions[0].label.value == "bad" and explained.predictions[0].fired
    neurons = op("roasts", "get_neurons", model="lab").parsed
    assert [n.region for n in neurons.neurons] == ["temperature_too_low", "duration_too_short",
                                                   "too_hot_for_too_long"]
    maps = op("roasts", "get_maps", model="lab", resolution=3).parsed
    np.testing.assert_allclose(maps.probability[1][1], reference.proba(lab, maps.temperature[1],
                                                                       maps.duration[1]), rtol=1e-12)
    assert len(op("roasts", "get_dataset").parsed.samples) == 200

    listed = op("models", "get_models").parsed
    assert listed.total == len(listed.models) >= 2
    body = models.ImportRequest.from_dict({"name": "imported", "weights": {
        "W1": lab.W1.tolist(), "b1": lab.b1.tolist(), "W2": lab.W2.tolist(), "b2": [lab.b2[0] + 1.0]}})
    imported = op("models", "post_models", c=client, body=body)
    assert imported.status_code == HTTPStatus.CREATED
    model_id = imported.parsed.id
    assert op("models", "get_models_ref", ref=model_id).parsed.id == model_id
    before = op("models", "get_models_active").parsed.id
    assert op("models", "put_models_active", c=client,
              body=models.ActivateRequest(id=model_id)).parsed.active is True
    op("models", "put_models_active", c=client, body=models.ActivateRequest(id=before))
    assert op("models", "delete_models_ref", c=client, ref="imported").status_code == HTTPStatus.NO_CONTENT

    job = op("models", "post_retrain", c=client, body=models.RetrainRequest(seeds=[5], steps=50),
             prefer="wait=30").parsed
    assert job.status.value == "succeeded"
    assert job.result.models[0].seed == 5
    trained = job.result.models[0].id
    trajectory = op("models", "get_models_ref_trajectory", ref=trained).parsed
    assert trajectory.snapshots[0].step == 0 and trajectory.snapshots[-1].step == 50
    assert op("models", "get_jobs_job_id", job_id=job.id).parsed.id == job.id
    assert job.id in [j.id for j in op("models", "get_jobs").parsed.jobs]
    queued = op("models", "post_retrain", c=client, body=models.RetrainRequest(seeds=[6, 7], steps=20000))
    cancelled = op("models", "delete_jobs_job_id", c=client, job_id=queued.parsed.id)
    assert cancelled.status_code in (HTTPStatus.OK, HTTPStatus.CONFLICT)  # it may have finished

    assert b"<html" in op("explorer", "get").content
    assert b"<html" in op("explorer", "get_explorer").content
    names = _api(generated, "models.get_static_name_name").GetStaticNameName
    assert op("explorer", "get_static_name", name=names("main.js")).content.startswith(b"//")

    api = Path(generated.__path__[0]) / "api"
    every = {f.stem for f in api.glob("*/*.py") if f.stem != "__init__"}
    assert every == set(call), every ^ set(call)

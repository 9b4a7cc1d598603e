"""deploy/: the Kubernetes manifests pass kubernetes-validate; manifests and compose file name only
settings, commands and probes that exist. No container engine runs here: the processes they start
are the ones the reliability tests run directly (tests/reliability/test_scaled_out.py)."""


import re

import kubernetes_validate
import pytest
import yaml

from service.cli import _parser
from service.settings import Settings
from tests.server import ROOT

DEPLOY = ROOT / "deploy"
MANIFESTS = sorted((DEPLOY / "kubernetes").glob("*.yaml"))
DOCS = [(path.name, doc) for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc]
# Settings fields, and the variables gunicorn.conf.py reads itself.
SETTINGS = ({f"ROASTNET_{name.upper()}" for name in Settings.model_fields}
            | set(re.findall(r'"(ROASTNET_[A-Z_]+)"', (ROOT / "gunicorn.conf.py").read_text())))


@pytest.mark.parametrize(("name", "doc"), DOCS, ids=[f"{n}:{d['kind']}" for n, d in DOCS])
def test_each_manifest_is_valid_kubernetes(name, doc):
    kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)


def _kinds():
    return {(d["kind"], d["metadata"]["name"]): d for _, d in DOCS}


def test_the_set_of_objects():
    assert set(_kinds()) == {("ConfigMap", "roastnet"), ("Secret", "roastnet"),
                             ("Deployment", "roastnet-api"), ("Deployment", "roastnet-trainer"),
                             ("Service", "roastnet"), ("HorizontalPodAutoscaler", "roastnet-api")}


def _commands(command: list[str]) -> None:
    assert command[0] == "roastnet"
    _parser().parse_args(command[1:])  # a command the CLI accepts


def test_deployments_run_real_commands_with_probes():
    kinds = _kinds()
    [api] = kinds[("Deployment", "roastnet-api")]["spec"]["template"]["spec"]["containers"]
    assert api["command"] == ["roastnet", "serve", "--no-trainer"]
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    [trainer] = kinds[("Deployment", "roastnet-trainer")]["spec"]["template"]["spec"]["containers"]
    for container in (api, trainer):
        _commands(container["command"])
    hpa = kinds[("HorizontalPodAutoscaler", "roastnet-api")]["spec"]["scaleTargetRef"]
    assert hpa["name"] == "roastnet-api"


def test_configuration_names_only_real_settings():
    kinds = _kinds()
    names = set(kinds[("ConfigMap", "roastnet")]["data"]) | set(kinds[("Secret", "roastnet")]["stringData"])
    assert names <= SETTINGS
    assert {"ROASTNET_DATABASE_URL", "ROASTNET_QUEUE_URL", "ROASTNET_ADMIN_TOKEN"} <= names


def test_the_compose_file():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "api-a", "api-b", "trainer"} == set(services)
    apis = [s for s in services.values() if s.get("command", [])[:2] == ["roastnet", "serve"]]
    trainers = [s for s in services.values() if s.get("command") == ["roastnet", "trainer"]]
    assert len(apis) == 2 and len(trainers) == 1
    for service in apis + trainers:
        _commands(service["command"])
        assert set(service["environment"]) <= SETTINGS
        assert (DEPLOY / service["build"] / "Dockerfile").exists()

import os

import pytest

from model import explain
from model.explain import Explainer
from model.network import lab_network
from model.train import Recipe, train
from service.settings import Settings

# Hermetic: no ROASTNET_* setting of the shell that runs the tests reaches an app made in process
# or a server a test starts (they get os.environ plus what the test sets). The tests' own knobs
# (ROASTNET_FUZZ_EXAMPLES, ROASTNET_TEST_PG, …) are not settings and stay.
for _name in [*(f"ROASTNET_{field.upper()}" for field in Settings.model_fields),
              "PROMETHEUS_MULTIPROC_DIR", "OTEL_EXPORTER_OTLP_ENDPOINT"]:
    os.environ.pop(_name, None)


# The explanations' compiled loops, compiled (or loaded) once here, before any server starts: in
# a fresh clone, every worker of the first server would otherwise compile them at once.
explain.prepare()


@pytest.fixture(scope="session")
def lab():
    return lab_network()


@pytest.fixture(scope="session")
def lab_explainer(lab):
    return Explainer(lab)


@pytest.fixture(scope="session")
def default_result():
    return train(Recipe())


@pytest.fixture(params=["sqlite", "postgresql"])
def store_env(request, tmp_path):
    """Environment for a server or registry on a fresh store of each kind."""
    from tests.stores import pg_database

    if request.param == "sqlite":
        yield {"ROASTNET_DATA_DIR": str(tmp_path / "data")}
        return
    with pg_database() as url:
        yield {"ROASTNET_DATA_DIR": str(tmp_path / "data"), "ROASTNET_DATABASE_URL": url}

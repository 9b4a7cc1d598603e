import pytest

from model.explain import Explainer
from model.network import lab_network
from model.train import Recipe, train


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

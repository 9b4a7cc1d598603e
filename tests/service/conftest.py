import pytest

from service.app import create_app
from service.settings import Settings
from tests.server import TOKEN


def make_app(data_dir, **settings):
    return create_app(Settings(data_dir=data_dir, admin_token=TOKEN, **settings))


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """An app for read-only route tests (shared by a module: do not change its registry)."""
    return make_app(tmp_path_factory.mktemp("data"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def fresh_app(tmp_path):
    """An app of its own, for tests that change the registry."""
    return make_app(tmp_path / "data")


@pytest.fixture
def fresh_client(fresh_app):
    return fresh_app.test_client()


@pytest.fixture
def auth():
    return {"Authorization": f"Bearer {TOKEN}"}

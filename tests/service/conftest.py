import pytest

from service.app import create_app
from service.settings import Settings
from service.trainer import start_in_thread
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
    """An app of its own, for tests that change the registry, with a trainer beside it (a thread)."""
    app = make_app(tmp_path / "data")
    trainer = start_in_thread(app.config["ROASTNET"])
    yield app
    trainer.stop.set()
    trainer.thread.join(30)


def retrained(client, body, headers):
    """Submit a retrain, wait for it (Prefer: wait=30) and return the job's result."""
    r = client.post("/v1/retrain", json=body, headers={**headers, "Prefer": "wait=30"})
    assert r.status_code == 201, r.json
    assert r.json["status"] == "succeeded", r.json
    return r.json["result"]


@pytest.fixture
def fresh_client(fresh_app):
    return fresh_app.test_client()


@pytest.fixture
def auth():
    return {"Authorization": f"Bearer {TOKEN}"}

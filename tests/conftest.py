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

"""Fixtures for the AI pipeline: a Hearth whose AI talks to a test double of Ollama."""
from __future__ import annotations

import pytest

from appliance.app import create_app
from appliance.db import close_database
from appliance.services import run_now
from appliance.settings import Settings
from tests.conftest import Tenant
from tests.llm.fake_ollama import FakeOllama


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory):
    """Prepared model files shared by the tests (the embedding graph is built once)."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def fake_ollama():
    with FakeOllama(models=("llama3.2:3b",), answer="Refunds take 5 business days [1].") as fake:
        yield fake


@pytest.fixture
def make_ai_app(tmp_path, models_dir, fake_ollama):
    apps = []

    def make(embedder: str = "minilm", **overrides):
        values = {"data_dir": str(tmp_path / f"data{len(apps)}"), "embedder": embedder, "models_dir": str(models_dir),
                  "ollama_host": fake_ollama.url, "ollama_model": "llama3.2:3b", "llm_timeout": 2.0, **overrides}
        app = create_app(Settings.load(values, environ={}), async_mode="threading", spawn=run_now)
        apps.append(app)
        return app
    yield make
    close_database()


@pytest.fixture
def ai_app(make_ai_app):
    return make_ai_app()


@pytest.fixture
def hearth(ai_app):
    return ai_app.extensions["hearth"]


@pytest.fixture
def shop(hearth):
    """A bike shop with the AI on and a small knowledge base."""
    return Tenant(hearth, "bikes", ai=True).add_articles(ARTICLES)


ARTICLES = [
    ("Refunds and returns", "You can return any bike within 30 days. Refunds go back to the original payment "
     "method within 5 business days.\n\nTo start a return, open your order and choose Return item."),
    ("Opening hours", "The shop is open Monday to Saturday from 9:00 to 18:00. We are closed on Sundays and "
     "public holidays."),
    ("Repairing e-bike batteries", "We repair and replace e-bike batteries from Bosch, Shimano and Yamaha. "
     "A battery check takes about an hour and costs 25 euros."),
]

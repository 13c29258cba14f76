"""Abuse tests set their own limits: parametrize ``overrides`` with the settings a test needs."""
import pytest

from appliance.settings import Settings


@pytest.fixture
def overrides():
    return {}


@pytest.fixture
def settings(tmp_path, overrides):
    return Settings.load({"data_dir": str(tmp_path / "data"), "embedder": "hashing",
                          "ollama_host": "http://127.0.0.1:9", "llm_timeout": 2.0, **overrides}, environ={})

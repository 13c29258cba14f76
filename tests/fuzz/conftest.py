"""Fuzzing stays bounded in CI: HEARTH_FUZZ_EXAMPLES examples per property (default 25); set it
higher to search longer, e.g. HEARTH_FUZZ_EXAMPLES=2000 python -m pytest tests/fuzz."""
import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("HEARTH_FUZZ_EXAMPLES", "25"))

settings.register_profile("hearth", max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 25,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                 HealthCheck.data_too_large])
settings.load_profile("hearth")


import pytest  # noqa: E402

from appliance.settings import Settings  # noqa: E402


@pytest.fixture
def settings(tmp_path):
    """Fuzzing wants every input to reach the handlers: rate limits off."""
    off = {name: "" for name in ("rate_limit_ip", "rate_limit_company", "rate_limit_socket_ip", "rate_limit_visitor",
                                 "rate_limit_visitor_typing", "rate_limit_connect_ip", "rate_limit_login_ip", "rate_limit_login_account")}
    return Settings.load({"data_dir": str(tmp_path / "data"), "embedder": "hashing", "ollama_host": "http://127.0.0.1:9",
                          "llm_timeout": 2.0, **off}, environ={})

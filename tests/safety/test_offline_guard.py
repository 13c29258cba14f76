"""Offline-only is enforced in the process: a forbidden connection is refused and logged, by
whatever library, under gevent's monkey-patching too; loopback, the LAN and unix sockets work."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from appliance import netguard
from appliance.netguard import NetworkPolicy, OfflineRefused, is_local_address
from tests.live import ROOT


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.1", "::1", "localhost", "10.1.2.3", "172.16.0.5",
                                  "172.31.255.255", "192.168.1.20", "169.254.10.1", "fd12:3456::1", "fe80::1%eth0",
                                  "[::1]", "::ffff:192.168.0.1", "0.0.0.0", "ollama-box", "shop-pc.local",
                                  "nas.home.arpa", "gpu.lan"])
def test_local_and_lan_destinations_are_allowed(host):
    assert is_local_address(host)


@pytest.mark.parametrize("host", ["203.0.113.10", "8.8.8.8", "172.32.0.1", "2001:4860:4860::8888", "api.openai.com",
                                  "example.com", "::ffff:8.8.8.8", "100.64.0.1"])
def test_public_destinations_are_refused(host):
    assert not is_local_address(host)


def test_a_real_gevent_process_refuses_and_logs_every_library_and_keeps_loopback():
    """The probe process patches with gevent first (like the server), installs the guard and tries
    sockets, UDP, urllib, httpx and the openai client against TEST-NET-3 and public names."""
    result = subprocess.run([sys.executable, "tests/safety/guard_probe.py"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["patched"] is True
    for name in ("gevent_socket_public", "udp_public", "urllib_name", "httpx_public", "openai_public", "openai_ip",
                 "public_when_on_again"):
        assert outcome[name] == "refused", (name, outcome[name])
    for name in ("loopback_urllib", "loopback_httpx", "unix_socket"):
        assert outcome[name] == "ok", (name, outcome[name])
    assert outcome["public_when_off"] != "refused"  # the switch is read at each connection
    assert outcome["refused_count"] == 6
    log = result.stderr
    assert "offline-only: refused socket.getaddrinfo to 203.0.113.10:443 from guard_probe.py" in log
    assert "offline-only: refused socket.getaddrinfo to api.openai.com:443 from httpcore" in log
    assert "offline-only: refused socket.getaddrinfo to example.com:80 from http/client.py" in log
    assert "offline-only: refused socket.sendto to 8.8.8.8:53" in log
    assert "Traceback" not in log  # refused quietly: gevent does not print the refusal again
    assert "sk-test-not-real" not in log


@pytest.fixture
def guard():
    """The guard in this test process; it is left permissive afterwards (audit hooks stay forever)."""
    policy = NetworkPolicy(offline_only=True)
    netguard.install(policy)
    yield policy
    netguard.install(NetworkPolicy(offline_only=False))


def test_the_guard_refuses_before_connecting_and_names_the_code(guard, caplog):
    with caplog.at_level("WARNING", logger="appliance.netguard"):
        with pytest.raises(OfflineRefused, match="offline-only mode"), socket.socket() as raw:
            raw.connect(("203.0.113.10", 80))
    assert guard.refused == 1
    refusal = guard.recent[-1]
    assert (refusal.host, refusal.port) == ("203.0.113.10", 80)
    assert "test_offline_guard.py" in refusal.code
    assert "refused socket.connect to 203.0.113.10:80" in caplog.text
    with socket.socket() as listener:  # loopback still works
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        socket.create_connection(listener.getsockname(), timeout=5).close()
    guard.offline_only = False
    with pytest.raises(OSError) as excinfo:  # no longer ours to refuse (the network may still fail)
        socket.create_connection(("203.0.113.10", 9), timeout=0.2).close()
        raise OSError("connected")
    assert not isinstance(excinfo.value, OfflineRefused)


def test_the_openai_provider_is_refused_by_the_guard_even_if_code_tried(guard):
    from appliance.llm.base import ProviderError
    from tests.llm.conftest import make_request
    from appliance.llm.openai_provider import OpenAIProvider

    provider = OpenAIProvider("sk-test-not-real", "gpt-4o-mini", timeout=2)
    with pytest.raises(ProviderError, match="not reachable"):
        list(provider.stream(make_request()))
    assert guard.refused >= 1 and guard.recent[-1].host == "api.openai.com"


def test_the_server_process_refuses_a_model_host_beyond_the_lan_and_shows_it(tmp_path):
    """A real server (gevent) configured with a public Ollama address: the status check is refused
    by the guard, counted and shown to the owner, and logged with the code that tried."""
    import requests

    from tests.conftest import PASSWORD
    from tests.live import LiveServer, company_data_dir

    data = company_data_dir(tmp_path / "data", admin_email="a@shop.test", settings={
        "embedder": "hashing", "llm_timeout": 2.0, "ollama_host": "http://203.0.113.10:11434"})
    server = LiveServer(data).start()
    try:
        session = requests.Session()
        session.post(f"{server.url}/api/v1/auth/login", json={"email": "a@shop.test", "password": PASSWORD})
        status = session.get(f"{server.url}/api/v1/ai/status").json()
        ollama = next(p for p in status["providers"] if p["name"] == "ollama")
        assert ollama["available"] is False
        state = session.get(f"{server.url}/api/v1/installation").json()
        assert state["offline_only"] is True and state["refused_connections"] >= 1
        refusal = state["recent_refusals"][-1]
        assert refusal["host"] == "203.0.113.10" and refusal["port"] == 11434
        assert "appliance/llm/ollama_provider.py" in refusal["code"]
    finally:
        server.stop()
    assert "offline-only: refused socket.getaddrinfo to 203.0.113.10:11434" in server.log.read_text()

"""A real server process: LAN serving turned on in the console binds `lan_host` at the next start
and keeps answering this computer on 127.0.0.1; with a loopback `lan_host` the server says that only
this computer can reach it; a `lan_host` this computer does not have is an error naming the setting.

Servers started by tests listen on loopback only, so 127.0.0.2 stands in for a LAN card's address.
Who may use what from a LAN address (the widget side open, the agent side refused) is tested
in-process with other client addresses (tests/setup/test_lan.py)."""
from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.conftest import PASSWORD
from tests.live import NO_MODELS, LiveServer, cli, company_data_dir, free_port


@pytest.fixture
def data_dir(tmp_path):
    return company_data_dir(tmp_path / "data", name="Corner Bikes", slug="corner", settings=NO_MODELS)


def admin_session(url: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=url, timeout=10)
    login = client.post("/api/v1/auth/login", json={"email": "owner@corner.test", "password": PASSWORD})
    assert login.status_code == 200
    return client, login.json()["csrf_token"]


def switch_lan_on(data_dir) -> dict:
    """An admin turns LAN serving on in a running Hearth, which then stops; the status it answered."""
    server = LiveServer(data_dir).start(timeout=60)
    try:
        admin, csrf = admin_session(server.url)
        response = admin.put("/api/v1/lan", json={"enabled": True}, headers={"X-CSRF-Token": csrf})
        assert response.status_code == 200
        admin.close()
        return response.json()
    finally:
        server.stop()


def set_lan_host(data_dir, host: str) -> None:
    settings = json.loads((data_dir / "settings.json").read_text())
    (data_dir / "settings.json").write_text(json.dumps({**settings, "lan_host": host, "lan_address": "192.0.2.10"}))


def test_lan_serving_on_a_loopback_lan_host_says_only_this_computer_can_reach_it(data_dir):
    """Only loopback is bound here: 127.0.0.1 as lan_host, as someone might set it by mistake."""
    set_lan_host(data_dir, "127.0.0.1")
    status = switch_lan_on(data_dir)
    assert status["enabled"] and not status["listening_on_lan"] and not status["restart_needed"]

    server = LiveServer(data_dir).start(timeout=60)  # binds lan_host, since LAN serving is on
    try:
        admin, _ = admin_session(server.url)
        status = admin.get("/api/v1/lan").json()
        assert status["enabled"] and not status["listening_on_lan"] and not status["restart_needed"]
        assert status["loopback_lan_host"] == "127.0.0.1"
        assert status["widget_url"] == f"http://127.0.0.1:{server.port}/chat/corner"
        admin.close()
    finally:
        server.stop()
    printed = server.log.read_text()
    assert "Customers on the local network" not in printed
    assert "warning: LAN serving is on, but the lan_host setting is 127.0.0.1, a loopback address" in printed
    assert "LAN serving is on, but the lan_host setting is 127.0.0.1" in (data_dir / "logs" / "hearth.log").read_text()


def test_a_lan_host_that_is_not_an_address_of_this_computer_is_a_clear_error(data_dir):
    """192.0.2.1 (an address for documentation) is on no interface here: binding it fails, and sends nothing."""
    if Path("/proc/sys/net/ipv4/ip_nonlocal_bind").read_text().strip() != "0":
        pytest.skip("this machine lets a server bind addresses it does not have")
    switch_lan_on(data_dir)

    set_lan_host(data_dir, "192.0.2.1")
    result = cli(data_dir, "serve", "--host", "127.0.0.1", "--port", str(free_port()))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "error: cannot listen on 192.0.2.1:" in result.stderr
    assert "set the lan_host setting (used while LAN serving is on) to one of its addresses, or 0.0.0.0" in result.stderr


def test_lan_serving_on_one_address_still_answers_this_computer(data_dir):
    """A lan_host of one interface (127.0.0.2 stands in for a LAN card's address) is bound only from
    the start after the switch was turned on; it does not cover 127.0.0.1, where the desktop window
    waits for the server and where the console on this computer is allowed: the server listens
    there too."""
    set_lan_host(data_dir, "127.0.0.2")
    server = LiveServer(data_dir).start(timeout=60)
    try:
        with httpx.Client(timeout=3) as probe:
            with pytest.raises(httpx.ConnectError):  # LAN serving off: nothing listens on lan_host
                probe.get(f"http://127.0.0.2:{server.port}/healthz")
        admin, csrf = admin_session(server.url)
        status = admin.put("/api/v1/lan", json={"enabled": True}, headers={"X-CSRF-Token": csrf}).json()
        assert status["enabled"] and status["loopback_lan_host"] == "127.0.0.2"  # saved; bound from the next start
        admin.close()
    finally:
        server.stop()

    server = LiveServer(data_dir).start(timeout=60)  # LiveServer waits for 127.0.0.1: it answers
    try:
        with httpx.Client(base_url=f"http://127.0.0.2:{server.port}", timeout=10) as other:  # lan_host is served
            assert other.get("/chat/corner").status_code == 200
            assert other.get("/widget.js").status_code == 200
            assert other.get("/socket.io/", params={"EIO": "4", "transport": "polling"}).status_code == 200
        admin, _ = admin_session(server.url)  # and the agent side on 127.0.0.1
        status = admin.get("/api/v1/lan").json()
        assert status["enabled"] is True
        admin.close()
    finally:
        server.stop()
    assert f"Hearth is running at http://localhost:{server.port}/console" in server.log.read_text()

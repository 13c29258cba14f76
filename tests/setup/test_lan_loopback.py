"""LAN serving switched on while the `lan_host` setting is a loopback address: the server binds an
address nobody else on the network can reach, so the status must not say "listening on the LAN",
must show only a chat address that works (this computer's), and must not ask for a restart that
would change nothing. The address listened on comes from LanService.serving_host(), as at a start."""
from __future__ import annotations

import dataclasses

import pytest

from appliance.services.lan import LanService
from appliance.settings import Settings
from tests.setup.test_lan import rasterise

ELSEWHERE = "192.0.2.10"  # the lan_address setting: where phones would reach this computer, were it on the LAN


@pytest.fixture
def settings(tmp_path):
    return Settings.load({"data_dir": str(tmp_path / "data"), "embedder": "hashing",
                          "ollama_host": "http://127.0.0.1:9", "llm_timeout": 2.0,
                          "lan_host": "127.0.0.1", "lan_address": ELSEWHERE}, environ={})


def test_lan_serving_on_a_loopback_lan_host_is_reported_as_this_computer_only(admin_client, services):
    status = admin_client.put("/api/v1/lan", json={"enabled": True}).get_json()
    assert status["enabled"] is True and status["listening_on_lan"] is False
    assert status["loopback_lan_host"] == "127.0.0.1"
    assert status["restart_needed"] is False  # a restart would move Hearth from 127.0.0.1 to 127.0.0.1

    assert services.lan.serving_host() == "127.0.0.1"  # what the server binds at its next start
    status = admin_client.get("/api/v1/lan").get_json()
    assert status["enabled"] is True and status["listening_on_lan"] is False and status["restart_needed"] is False
    assert status["address"] == "127.0.0.1"
    assert status["widget_url"] == "http://127.0.0.1:8765/chat/acme"
    assert ELSEWHERE not in status["embed_snippet"] and "http://127.0.0.1:8765/widget.js" in status["embed_snippet"]

    import zxingcpp

    decoded = zxingcpp.read_barcodes(rasterise(admin_client.get("/api/v1/lan/qr.svg").data))
    assert [b.text for b in decoded] == ["http://127.0.0.1:8765/chat/acme"]


def test_the_server_is_told_what_to_change(admin_client, services):
    assert services.lan.serving_host() == "127.0.0.1" and services.lan.loopback_notice() is None  # LAN serving off

    admin_client.put("/api/v1/lan", json={"enabled": True})
    assert services.lan.serving_host() == "127.0.0.1"
    notice = services.lan.loopback_notice()
    assert notice.startswith("LAN serving is on, but the lan_host setting is 127.0.0.1, a loopback address")
    assert "set lan_host to 0.0.0.0" in notice and "HEARTH_LAN_HOST" in notice


def test_an_ipv6_loopback_lan_host_shows_its_own_address(services, acme):
    lan = LanService(dataclasses.replace(services.settings, lan_host="::1"), services.installation)
    lan.update(acme.company, acme.admin, enabled=True)
    assert lan.serving_host() == "::1"
    status = lan.status(acme.company)
    assert status["listening_on_lan"] is False and status["loopback_lan_host"] == "::1"
    assert status["widget_url"] == "http://[::1]:8765/chat/acme"


def test_a_network_lan_host_is_not_flagged(services, acme):
    lan = LanService(dataclasses.replace(services.settings, lan_host="0.0.0.0"), services.installation)
    lan.update(acme.company, acme.admin, enabled=True)
    assert lan.serving_host() == "0.0.0.0"
    status = lan.status(acme.company)
    assert status["listening_on_lan"] is True and status["loopback_lan_host"] is None
    assert status["widget_url"] == f"http://{ELSEWHERE}:8765/chat/acme" and lan.loopback_notice() is None


def test_a_network_host_wins_over_the_switch_and_a_loopback_lan_host(services, acme):
    """Started with --host 0.0.0.0: the network is served whatever the switch and lan_host say, and
    the status says so (no loopback notice, no restart asked for)."""
    lan = LanService(dataclasses.replace(services.settings, host="0.0.0.0"), services.installation)
    lan.update(acme.company, acme.admin, enabled=True)
    assert lan.serving_host() == "0.0.0.0" and lan.started_lan is False
    status = lan.status(acme.company)
    assert status["listening_on_lan"] is True and status["fixed_by_host"] == "0.0.0.0"
    assert status["restart_needed"] is False and lan.loopback_notice() is None
    assert status["widget_url"] == f"http://{ELSEWHERE}:8765/chat/acme"

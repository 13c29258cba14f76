"""LAN serving: the widget open to the local network, the agent side only for this machine and the
agents' PCs an admin lists; the widget URL, its QR code and the embed snippet on the LAN address."""
from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from appliance.domain.models import InstallationSetting
from appliance.services.lan import LanService
from tests.conftest import PASSWORD

LAN_IP = "192.168.1.10"     # this machine, as the injected address detector reports it
PHONE = "192.168.1.77"      # a customer's phone on the shop's Wi-Fi
AGENT_PC = "192.168.1.5"    # an agent's PC the admin lists


@pytest.fixture(autouse=True)
def lan_address(services):
    services.lan.lan_address = lambda: LAN_IP


def from_address(app, addr):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = addr
    return client


def test_lan_serving_is_off_by_default_and_turning_it_on_asks_for_a_restart(admin_client, services):
    status = admin_client.get("/api/v1/lan").get_json()
    assert status["enabled"] is False and status["listening_on_lan"] is False and status["restart_needed"] is False
    assert status["widget_url"] == "http://127.0.0.1:8765/chat/acme"

    status = admin_client.put("/api/v1/lan", json={"enabled": True}).get_json()
    assert status["enabled"] is True and status["restart_needed"] is True and status["listening_on_lan"] is False
    assert status["widget_url"] == f"http://{LAN_IP}:8765/chat/acme"
    assert status["embed_snippet"] == (f'<script src="http://{LAN_IP}:8765/widget.js" data-company="acme" '
                                       f'async></script>')
    assert status["qr_svg_url"] == "/api/v1/lan/qr.svg"

    assert services.lan.serving_host() == "0.0.0.0"  # what the server binds at its next start
    status = admin_client.get("/api/v1/lan").get_json()
    assert status["listening_on_lan"] is True and status["restart_needed"] is False

    status = admin_client.put("/api/v1/lan", json={"enabled": False}).get_json()
    assert status["restart_needed"] is True
    assert services.lan.serving_host() == "127.0.0.1"


def rasterise(svg: bytes) -> np.ndarray:
    """Draw segno's SVG (one path of horizontal runs: M/m moves, h lines) as a grey image."""
    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    size = int(root.find("s:g/s:path", ns).get("d").split("h")[1].split("v")[0])
    d = root.find("s:g/s:path[@class='qrline']", ns).get("d")
    grid = np.full((size, size), 255, dtype=np.uint8)
    x = y = 0.0
    for op, a, b in re.findall(r"([MmHh])(-?[\d.]+)(?:\s(-?[\d.]+))?", d):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            run = float(a)
            grid[int(y), int(x):int(x + run)] = 0
            x += run
    return np.kron(grid, np.ones((8, 8), dtype=np.uint8))


def test_the_qr_code_is_an_svg_of_the_widget_url(admin_client):
    import zxingcpp

    admin_client.put("/api/v1/lan", json={"enabled": True})
    response = admin_client.get("/api/v1/lan/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    decoded = zxingcpp.read_barcodes(rasterise(response.data))
    assert [(b.format, b.text) for b in decoded] == [(zxingcpp.BarcodeFormat.QRCode, f"http://{LAN_IP}:8765/chat/acme")]


@pytest.mark.parametrize("path", ["/chat/acme", "/chat/acme/look.json", "/widget.js", "/ui/widget/chat.js",
                                  "/ui/vendor/socket.io-4.8.1.min.js", "/healthz"])
def test_widget_side_is_reachable_from_the_lan(app, acme, path):
    assert from_address(app, PHONE).get(path).status_code == 200


@pytest.mark.parametrize("path", ["/console", "/ui/console/console.js", "/"])
def test_agent_pages_refuse_lan_addresses_with_a_page(app, acme, path):
    response = from_address(app, PHONE).get(path, headers={"Accept": "text/html"})
    assert response.status_code == 403
    assert "Not available from this computer" in response.get_data(as_text=True)
    assert PHONE in response.get_data(as_text=True)


def test_agent_api_refuses_lan_addresses_even_with_the_right_password(app, acme):
    client = from_address(app, PHONE)
    response = client.post("/api/v1/auth/login", json={"email": acme.agent.email, "password": PASSWORD})
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "not_from_this_address" and "Settings" in error["message"]
    assert client.get("/api/v1/setup").status_code == 403  # the first-run wizard too
    assert client.get("/api/v1/openapi.json", headers={"Accept": "text/html"}).get_json()["error"]["status"] == 403


def test_this_machine_and_listed_agent_pcs_may_use_the_console(app, acme, admin_client):
    assert from_address(app, "127.0.0.1").get("/console").status_code == 200
    assert from_address(app, "::1").get("/console").status_code == 200
    assert from_address(app, "::ffff:127.0.0.1").get("/console").status_code == 200

    saved = admin_client.put("/api/v1/lan", json={"agent_networks": [AGENT_PC, "10.0.0.0/8"]})
    assert saved.get_json()["agent_networks"] == [f"{AGENT_PC}/32", "10.0.0.0/8"]
    agent_pc = from_address(app, AGENT_PC)
    assert agent_pc.get("/console").status_code == 200
    login = agent_pc.post("/api/v1/auth/login", json={"email": acme.agent.email, "password": PASSWORD})
    assert login.status_code == 200
    assert agent_pc.get("/api/v1/tickets").status_code == 200
    assert from_address(app, "10.20.30.40").get("/console").status_code == 200
    assert from_address(app, PHONE).get("/console").status_code == 403


def test_an_agent_pc_still_needs_a_login(app, acme, admin_client):
    admin_client.put("/api/v1/lan", json={"agent_networks": [AGENT_PC]})
    assert from_address(app, AGENT_PC).get("/api/v1/tickets").status_code == 401


def test_bad_networks_are_refused_and_nothing_is_stored(admin_client):
    response = admin_client.put("/api/v1/lan", json={"enabled": True, "agent_networks": ["192.168.1.0/24", "my pc"]})
    assert response.status_code == 422
    assert "my pc" in response.get_json()["error"]["fields"]["agent_networks"][0]
    assert InstallationSetting.select().count() == 0
    assert admin_client.put("/api/v1/lan", json={"enabled": "yes"}).status_code == 422


def test_only_admins_change_lan_serving(agent_client):
    assert agent_client.get("/api/v1/lan").status_code == 403
    assert agent_client.put("/api/v1/lan", json={"enabled": True}).status_code == 403
    assert InstallationSetting.select().count() == 0


def test_another_companys_admin_cannot_manage_the_installation(acme, globex, make_client):
    """acme set Hearth up; globex's admin runs their own desk but not the shared machine."""
    other = make_client(globex.admin)
    for method, path, body in [("get", "/api/v1/lan", None), ("put", "/api/v1/lan", {"agent_networks": ["0.0.0.0/0"]}),
                               ("get", "/api/v1/lan/qr.svg", None), ("get", "/api/v1/models", None),
                               ("put", "/api/v1/models/active", {"model": "x:1b"}),
                               ("post", "/api/v1/models/pull", {"model": "x:1b"})]:
        response = getattr(other, method)(path, **({"json": body} if body else {}))
        assert response.status_code == 403, path
        assert "company that set it up" in response.get_json()["error"]["message"]
    assert InstallationSetting.select().count() == 0
    assert make_client(acme.admin).get("/api/v1/lan").status_code == 200


def test_agent_socket_from_a_lan_address_is_refused_and_the_widget_socket_is_not(app, socketio, acme, agent_client):
    agent_client.client.environ_base["REMOTE_ADDR"] = PHONE  # a logged-in session, carried to a LAN address
    agent = agent_client.agent_socket()
    assert not agent.is_connected("/agent")

    phone = from_address(app, PHONE)
    widget = socketio.test_client(app, namespace="/widget", flask_test_client=phone, auth={"company": "acme"})
    assert widget.is_connected("/widget")


def test_agent_socket_from_a_listed_agent_pc_connects(acme, admin_client, make_client):
    admin_client.put("/api/v1/lan", json={"agent_networks": [AGENT_PC]})
    agent_client = make_client(acme.agent)
    agent_client.client.environ_base["REMOTE_ADDR"] = AGENT_PC
    agent = agent_client.agent_socket()
    assert agent.is_connected("/agent")


def test_the_lan_address_and_the_address_listened_on_are_settings(services, acme):
    """For a PC whose detected address is not the one phones use, or that should serve one network only."""
    settings = dataclasses.replace(services.settings, lan_address="shop-pc.local", lan_host="192.168.1.10")
    lan = LanService(settings, services.installation)
    lan.update(acme.company, acme.admin, enabled=True)
    status = lan.status(acme.company)
    assert status["widget_url"] == "http://shop-pc.local:8765/chat/acme" and status["restart_needed"] is True
    assert lan.serving_host() == "192.168.1.10"
    status = lan.status(acme.company)
    assert status["listening_on_lan"] is True and status["restart_needed"] is False and status["fixed_by_host"] is None


def test_a_server_started_on_a_network_host_serves_the_lan_whatever_the_switch_says(services, acme):
    lan = LanService(dataclasses.replace(services.settings, host="0.0.0.0"), services.installation,
                     lan_address=lambda: LAN_IP)
    assert lan.serving_host() == "0.0.0.0"
    for enabled in (True, False):
        lan.update(acme.company, acme.admin, enabled=enabled)
        status = lan.status(acme.company)
        assert status["listening_on_lan"] is True and status["restart_needed"] is False
        assert status["fixed_by_host"] == "0.0.0.0" and status["widget_url"] == f"http://{LAN_IP}:8765/chat/acme"

"""Serving the widget on the local network, and who may reach the agent console.

LAN serving is a stored choice that decides the address the server binds at start: this machine
only (the ``host`` setting, 127.0.0.1 by default) or the ``lan_host`` setting (every interface,
0.0.0.0, by default). Changing it takes effect at the next start; the console says so. A loopback
``lan_host`` keeps Hearth on this machine with the switch on: the status says that, not "on the
LAN". Whatever the server binds, the agent side (console, agent API, the /agent socket) answers
only this machine and the agents' PCs an admin lists.
"""
from __future__ import annotations

import io
import ipaddress
import logging
import socket
from typing import Any, Callable

from ..db import database
from ..domain.models import Company, User
from ..errors import BadRequest
from ..settings import Settings
from .installation import InstallationService

logger = logging.getLogger(__name__)

ALL_INTERFACES = "0.0.0.0"
MAX_NETWORKS = 50


def detect_lan_address() -> str:
    """This machine's address on the local network (the interface of its default route).

    Connecting a UDP socket only picks a route; no packet is sent. Without a route, the host
    name's addresses are tried; a machine with no network at all gets loopback.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
        except OSError:
            pass
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        infos = []
    for *_, sockaddr in infos:
        if not sockaddr[0].startswith("127."):
            return sockaddr[0]
    return "127.0.0.1"


def _ip(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(str(value).split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_loopback_host(host: str) -> bool:
    ip = _ip(host)
    return host == "localhost" or (ip is not None and ip.is_loopback)


def _url_host(host: str) -> str:
    """``host`` as it stands in a URL (an IPv6 address in brackets)."""
    return f"[{host}]" if ":" in host else host


class LanService:
    def __init__(self, settings: Settings, installation: InstallationService,
                 lan_address: Callable[[], str] | None = None):
        self.settings = settings
        self.installation = installation
        # The ``lan_address`` setting wins over detection (a PC with several networks, or a test on loopback).
        self.lan_address = lan_address or ((lambda: settings.lan_address) if settings.lan_address
                                           else detect_lan_address)
        self.started_host: str | None = None  # what the running server bound, recorded by serving_host()
        self.started_lan = False              # whether it bound the LAN address because LAN serving was on

    # ---- binding --------------------------------------------------------------------------------
    def serving_host(self) -> str:
        """The address to bind now (called once by the server at start, and recorded)."""
        with database.connection_context():
            enabled = bool(self.installation.get("lan_enabled"))
        # A network --host serves the network whatever the switch says (the status calls it fixed_by_host).
        self.started_lan = enabled and is_loopback_host(self.settings.host)
        self.started_host = (self.settings.lan_host or ALL_INTERFACES) if self.started_lan else self.settings.host
        return self.started_host

    def listening_on_lan(self) -> bool:
        """Whether other computers can reach the running server: the address it listens on is not loopback."""
        return not is_loopback_host(self.started_host or self.settings.host)

    def loopback_lan_host(self) -> str | None:
        """The ``lan_host`` setting when it is a loopback address: LAN serving then reaches this computer only."""
        host = self.settings.lan_host or ALL_INTERFACES
        return host if is_loopback_host(host) else None

    def loopback_notice(self) -> str | None:
        """What to tell the admin when LAN serving is on but ``lan_host`` keeps Hearth on this computer."""
        if not self.started_lan or self.listening_on_lan():
            return None
        return (f"LAN serving is on, but the lan_host setting is {self.started_host}, a loopback address: only "
                f"this computer can reach Hearth. To serve the local network, set lan_host to 0.0.0.0 (in settings.json "
                f"in the data folder, or in the HEARTH_LAN_HOST environment variable, which wins when set) and "
                f"restart Hearth.")

    # ---- who may use the console ----------------------------------------------------------------
    def agent_networks(self) -> list[str]:
        return list(self.installation.get("agent_networks") or [])

    def console_allowed(self, remote_addr: Any) -> bool:
        """This machine always; otherwise only addresses inside the listed agents' networks."""
        ip = _ip(remote_addr)
        if ip is None:
            return False
        if ip.is_loopback:
            return True
        for text in self.agent_networks():
            network = ipaddress.ip_network(text, strict=False)
            if ip.version == network.version and ip in network:
                return True
        return False

    @staticmethod
    def check_networks(value: Any) -> list[str]:
        field = "agent_networks"
        if not isinstance(value, list):
            raise BadRequest.field(field, "must be a list of addresses or networks, "
                                          "e.g. 192.168.1.20 or 192.168.1.0/24")
        if len(value) > MAX_NETWORKS:
            raise BadRequest.field(field, f"list at most {MAX_NETWORKS} addresses or networks")
        cleaned: list[str] = []
        for item in value:
            text = item.strip() if isinstance(item, str) else ""
            try:
                network = ipaddress.ip_network(text, strict=False)
            except ValueError:
                raise BadRequest.field(field, f"{item!r} is not an IP address or network like 192.168.1.0/24") from None
            if str(network) not in cleaned:
                cleaned.append(str(network))
        return cleaned

    def update(self, company: Company, actor: User, *, enabled: Any = None, agent_networks: Any = None) -> None:
        """Turn LAN serving on or off and/or replace the agents' PCs list (all checked before anything is stored)."""
        if enabled is not None and not isinstance(enabled, bool):
            raise BadRequest.field("enabled", "must be true or false")
        networks = self.check_networks(agent_networks) if agent_networks is not None else None
        if enabled is not None:
            self.installation.set(company, actor, "lan_enabled", enabled)
        if networks is not None:
            self.installation.set(company, actor, "agent_networks", networks)

    # ---- what to show ---------------------------------------------------------------------------
    def status(self, company: Company) -> dict[str, Any]:
        """LAN serving's state, the widget's address on the LAN, its embed snippet and the agents' PCs."""
        enabled = bool(self.installation.get("lan_enabled"))
        listening = self.listening_on_lan()
        # Started with a network --host: the network is served whatever the switch says.
        fixed_by_host = not is_loopback_host(self.settings.host)
        # A loopback lan_host: the switch moves Hearth from one loopback address to another, never onto the network.
        loopback_lan = self.loopback_lan_host()
        if listening or (enabled and loopback_lan is None):
            address = self.lan_address()
        else:  # only this computer can reach Hearth: show the address it listens on, the only one that works
            address = _url_host(self.started_host or self.settings.host)
        base = f"http://{address}:{self.settings.port}"
        return {
            "enabled": enabled,
            "listening_on_lan": listening,
            "restart_needed": enabled != listening and not fixed_by_host and loopback_lan is None,
            "fixed_by_host": self.settings.host if fixed_by_host else None,
            "loopback_lan_host": loopback_lan,
            "address": address,
            "port": self.settings.port,
            "widget_url": f"{base}/chat/{company.slug}",
            "embed_snippet": f'<script src="{base}/widget.js" data-company="{company.slug}" async></script>',
            "agent_networks": self.agent_networks(),
        }

    @staticmethod
    def qr_svg(url: str) -> bytes:
        """A QR code for ``url`` as a standalone SVG document."""
        import segno

        out = io.BytesIO()
        segno.make(url, error="m", micro=False).save(out, kind="svg", scale=6, border=4,
                                                     title=url, dark="#000", light="#fff")
        return out.getvalue()

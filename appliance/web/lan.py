"""HTTP API for LAN serving (the installation's admins): on/off, the widget's LAN address and QR
code, the agents' PCs."""
from __future__ import annotations

from flask import Response, g
from flask_smorest import Blueprint

from .access import installation_admin_required
from .auth import services
from .schemas import LanIn, LanOut

blp = Blueprint("lan", __name__, url_prefix="/api/v1/lan", description="Serving the widget on the local network")


def _status():
    status = services().lan.status(g.company)
    return {**status, "qr_svg_url": "/api/v1/lan/qr.svg"}


@blp.route("", methods=["GET"])
@blp.response(200, LanOut)
@installation_admin_required
def lan_status():
    """Whether LAN serving is on (and active, or waiting for a restart), the widget URL, the embed
    snippet with this machine's LAN address, and the agents' PCs allowed into the console."""
    return _status()


@blp.route("", methods=["PUT"])
@blp.arguments(LanIn())
@blp.response(200, LanOut)
@installation_admin_required
def update_lan(payload):
    """Turn LAN serving on or off (applies at the next start) and set the agents' PCs (applies at once)."""
    services().lan.update(g.company, g.user, enabled=payload.get("enabled"),
                          agent_networks=payload.get("agent_networks"))
    return _status()


@blp.route("/qr.svg", methods=["GET"])
@blp.doc(responses={"200": {"description": "a QR code of the customers' chat address", "content": {"image/svg+xml": {"schema": {"type": "string", "format": "binary"}}}}})
@installation_admin_required
def lan_qr():
    """A QR code (SVG) of the widget URL, for a phone on the same Wi-Fi."""
    svg = services().lan.qr_svg(services().lan.status(g.company)["widget_url"])
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})

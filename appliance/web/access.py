"""Who may reach what: the widget side is open to the LAN, the agent side only to this machine and
the agents' PCs an admin listed (an agent login is needed on top, as everywhere)."""
from __future__ import annotations

import functools
import logging
from typing import Callable

from flask import Flask, current_app, jsonify, request

from ..errors import Forbidden, Unauthorized
from .auth import load_session_user

logger = logging.getLogger(__name__)

# Paths customers' browsers use (the chat page, the embed script, its assets, Socket.IO's transport,
# whose /agent namespace checks the address itself). Everything else is the agent side.
WIDGET_PATHS = ("/chat/", "/widget.js", "/ui/widget/", "/ui/vendor/", "/socket.io/", "/favicon.ico", "/healthz")
# Paths with an access rule of their own: /metrics answers this machine, or a scraper with metrics_token.
OWN_RULE_PATHS = ("/metrics",)

REFUSED_MESSAGE = ("The agent console of this Hearth only opens on the computer it runs on and on the agents' PCs "
                   "an admin has listed (Settings → Local network). Your address is {addr}.")

REFUSED_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Not available from this computer · Hearth</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem">
<h1>Not available from this computer</h1>
<p>{message}</p>
<p>Customers' chat stays available on the local network.</p>
</body></html>"""


def is_widget_path(path: str) -> bool:
    return any(path == p.rstrip("/") or path.startswith(p) for p in WIDGET_PATHS)


def has_own_rule(path: str) -> bool:
    return path in OWN_RULE_PATHS


def init_app(app: Flask) -> None:
    @app.before_request
    def agent_side_only_from_agents_pcs():
        if is_widget_path(request.path) or has_own_rule(request.path):
            return None
        addr = request.remote_addr or "unknown"
        if current_app.extensions["hearth"].lan.console_allowed(addr):
            return None
        logger.info("refused %s %s from %s (not this machine or a listed agent PC)", request.method, request.path, addr)
        message = REFUSED_MESSAGE.format(addr=addr)
        if request.path.startswith("/api/") or not request.accept_mimetypes.accept_html:
            body = {"error": {"status": 403, "code": "not_from_this_address", "message": message}}
            return jsonify(body), 403
        from html import escape

        return REFUSED_PAGE.format(message=escape(message)), 403, {"Content-Type": "text/html; charset=utf-8"}


def installation_admin_required(view: Callable) -> Callable:
    """Models and the local network belong to the whole installation: only admins of the company
    that set it up may see or change them."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        user = load_session_user()
        if user is None:
            raise Unauthorized("log in first: POST /api/v1/auth/login")
        if not user.is_admin or not current_app.extensions["hearth"].installation.is_owner(user.company):
            raise Forbidden("models and the local network are shared by every company on this Hearth; only an "
                            "admin of the company that set it up can manage them")
        return view(*args, **kwargs)
    return wrapper

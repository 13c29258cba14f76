"""The composition root: ``create_app(settings)`` builds one Hearth and everything it uses."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Callable

from flask import Flask
from flask_socketio import SocketIO
from flask_wtf.csrf import CSRFProtect

from . import __version__, realtime
from .db import database, open_database
from .domain.models import utcnow
from .errors import NotFound
from .events import EventBus
from .netguard import NetworkPolicy
from .ratelimit import ConnectionGate, RateLimiter
from .realtime.presence import Presence
from .services import Services
from .settings import Settings
from .web import (access, admin, ai, articles, auth, bodies, errors, handling, lan, limits, model_manager, ops, pages,
                  routing, setup, tickets, webhooks)
from .web import installation as installation_api
from .web import reports as reports_web
from .web.cookies import SecureWhenTlsSessionInterface

logger = logging.getLogger(__name__)


def _socket_io_path():
    raise NotFound("Socket.IO is served at /socket.io/ by the Socket.IO server")


def create_app(settings: Settings, *, async_mode: str = "gevent", clock: Callable[[], datetime] = utcnow,
               spawn: Callable[..., Any] | None = None, network: NetworkPolicy | None = None,
               background_checkpoints: bool = False) -> Flask:
    """Build the Flask app, its Socket.IO server and its services on ``settings.data_dir``.

    ``async_mode`` is "gevent" in the server and "threading" in tests (Flask-SocketIO would pick
    gevent whenever it is importable, so it is always set explicitly). ``spawn`` runs background
    work such as AI answers (default: a Socket.IO background task; tests pass a synchronous one).
    ``network`` is the offline-only switch the entry point handed to the process guard.
    ``background_checkpoints``: the caller runs a ``db.WalCheckpointer`` (the server does), so no
    request's commit writes the log back into the database file.
    """
    app = Flask(__name__, static_folder=None)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        SESSION_COOKIE_NAME="hearth_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(days=settings.session_days),
        WTF_CSRF_HEADERS=["X-CSRF-Token"],
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        WTF_CSRF_SSL_STRICT=False,
        API_TITLE="Hearth",
        API_VERSION=__version__,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )

    app.json.sort_keys = False
    open_database(settings.database_path, background_checkpoints=background_checkpoints)
    # Any site may embed the widget (no cookies cross-origin: the widget's token travels in `auth`);
    # /agent refuses foreign origins itself (realtime/agent.py).
    # A connection's events are handled in its own reader, in the order they came: no event handler
    # waits on the network (AI answers, routing after a message and webhook sends are background
    # tasks), so a task spawned per event bought nothing and cost CPU and garbage on every message
    # (benchmarks/load.py, four interleaved pairs: p99 both ways lower in every pair; server CPU
    # 150-165 -> 135-145 ms a second in the two where it was read).
    socketio = SocketIO(app, async_mode=async_mode, cors_allowed_origins="*", cors_credentials=False,
                        max_http_buffer_size=settings.max_request_bytes, async_handlers=False)
    bus = EventBus()
    presence = Presence()  # who is in the console: realtime keeps it, routing reads it
    services = Services.build(settings, bus, clock, spawn=spawn or socketio.start_background_task,
                              online=presence.online_ids, network=network)
    app.extensions["hearth"] = services
    with database.connection_context():
        services.knowledge.repair()

    articles.init_upload_limit(app)  # these two before CSRF protection reads the body
    bodies.init_parts_check(app)
    csrf = CSRFProtect(app)
    api = errors.HearthApi(app)
    for blueprint in (auth.blp, tickets.blp, articles.blp, admin.blp, ai.blp, handling.blp, routing.blp,
                      reports_web.blp, webhooks.blp, ops.blp, installation_api.blp, setup.blp, model_manager.blp,
                      lan.blp):
        api.register_blueprint(blueprint)
    csrf.exempt(auth.login)  # login is how a client gets its CSRF token
    errors.init_app(app)
    pages.init_app(app)
    # Flask-SocketIO runs each socket event in a request context for the connection's first request,
    # /socket.io/, which no Flask route matched: every event raised and stored a NotFound whose
    # traceback tied the request to its frames in a cycle, ~60 objects per customer message that
    # only the garbage collector could free (and longer, costlier collections under load). The
    # path gets rules of its own; Engine.IO answers it before Flask ever could
    # (once for long-polling, once for websocket connections, which werkzeug matches separately).
    app.add_url_rule("/socket.io/", endpoint="socket_io", view_func=_socket_io_path, methods=["GET", "POST"],
                     strict_slashes=False)
    app.add_url_rule("/socket.io/", endpoint="socket_io_websocket", view_func=_socket_io_path, methods=["GET"],
                     strict_slashes=False, websocket=True)
    ops.init_app(app)
    access.init_app(app)

    @app.before_request
    def _connect_db():
        database.connect(reuse_if_open=True)

    @app.teardown_request
    def _release_db(_exc):
        if not database.is_closed():
            database.close()

    app.config["SESSION_COOKIE_SECURE"] = settings.secure_cookies
    app.session_interface = SecureWhenTlsSessionInterface()
    limits.init_app(app, settings)
    bodies.init_app(app)  # after the LAN rules, the rate limits and the request log: its refusals go through them
    rate_limiter = app.extensions["hearth_limits"] = RateLimiter(settings)
    realtime.init_app(socketio, services, presence, rate_limiter, ConnectionGate(settings.max_socket_connections))
    services.routing.listen()  # after realtime: a ticket's arrival is pushed before its assignment
    logger.info("Hearth %s ready on data dir %s", __version__, settings.data_dir)
    return app

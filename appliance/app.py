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
from .events import EventBus
from .services import Services
from .settings import Settings
from .ratelimit import ConnectionGate, RateLimiter
from .web import admin, ai, articles, auth, errors, limits, pages, tickets
from .web.cookies import SecureWhenTlsSessionInterface

logger = logging.getLogger(__name__)


def create_app(settings: Settings, *, async_mode: str = "gevent", clock: Callable[[], datetime] = utcnow,
               spawn: Callable[..., Any] | None = None) -> Flask:
    """Build the Flask app, its Socket.IO server and its services on ``settings.data_dir``.

    ``async_mode`` is "gevent" in the server and "threading" in tests (Flask-SocketIO would pick
    gevent whenever it is importable, so it is always set explicitly). ``spawn`` runs background
    work such as AI answers (default: a Socket.IO background task; tests pass a synchronous one).
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
    open_database(settings.database_path)
    # Any site may embed the widget (no cookies cross-origin: the widget's token travels in `auth`);
    # /agent refuses foreign origins itself (realtime/agent.py).
    socketio = SocketIO(app, async_mode=async_mode, cors_allowed_origins="*", cors_credentials=False,
                        max_http_buffer_size=settings.max_request_bytes)
    bus = EventBus()
    services = Services.build(settings, bus, clock, spawn=spawn or socketio.start_background_task)
    app.extensions["hearth"] = services
    with database.connection_context():
        services.knowledge.repair()

    articles.init_upload_limit(app)  # before CSRF protection reads the body
    csrf = CSRFProtect(app)
    api = errors.HearthApi(app)
    for blueprint in (auth.blp, tickets.blp, articles.blp, admin.blp, ai.blp):
        api.register_blueprint(blueprint)
    csrf.exempt(auth.login)  # login is how a client gets its CSRF token
    errors.init_app(app)
    pages.init_app(app)

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
    rate_limiter = app.extensions["hearth_limits"] = RateLimiter(settings)
    realtime.init_app(socketio, services, rate_limiter, ConnectionGate(settings.max_socket_connections))
    logger.info("Hearth %s ready on data dir %s", __version__, settings.data_dir)
    return app

"""HTTP rate limits (Flask-Limiter, in memory, one per app): per client address and per company.

Over a limit answers 429 in the single error shape with ``retry_after`` and a Retry-After header;
every hit is logged. Logins have their own tiers (web/auth.py); Socket.IO events are limited in
realtime/handlers.py with the same kind of limiter (appliance/ratelimit.py).
"""
from __future__ import annotations

import logging
import math
import time

from flask import Flask, jsonify, request, session
from flask_limiter import ApplicationLimit, Limiter, RequestLimit
from flask_limiter.errors import RateLimitExceeded

from ..ratelimit import RateLimited
from ..settings import Settings

logger = logging.getLogger(__name__)

# The desktop shell polls health while the server starts; the UI's static files are cheap and a
# console load fetches a dozen of them.
EXEMPT_ENDPOINTS = {"pages.healthz", "pages.ui_file", "pages.favicon"}


def client_address() -> str:
    return request.remote_addr or "unknown"


def _session_company() -> str:
    return f"company-{session.get('company_id')}"


def _exempt() -> bool:
    return request.endpoint in EXEMPT_ENDPOINTS


def _log_breach(limit: RequestLimit) -> None:
    logger.warning("rate limit hit: HTTP %s %s from %s over %s (%s)", request.method, request.path,
                   client_address(), limit.limit, limit.key)


def init_app(app: Flask, settings: Settings) -> Limiter:
    """Attach Hearth's HTTP limiter to ``app`` and render its 429s in Hearth's error shape."""
    limits = []
    if settings.rate_limit_ip:
        limits.append(ApplicationLimit(settings.rate_limit_ip, scope="ip", exempt_when=_exempt))
    if settings.rate_limit_company:
        limits.append(ApplicationLimit(settings.rate_limit_company, key_function=_session_company, scope="company",
                                       exempt_when=lambda: _exempt() or not session.get("company_id")))
    limiter = Limiter(client_address, app=app, storage_uri="memory://", strategy="moving-window",
                      application_limits=limits, headers_enabled=False,
                      on_breach=_log_breach)

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded):
        current = limiter.current_limit
        retry_after = max(1, math.ceil(current.reset_at - time.time())) if current else 60
        return _answer(f"too many requests ({error.description}); try again in {retry_after} s", retry_after)

    @app.errorhandler(RateLimited)
    def rate_limited(error: RateLimited):
        return _answer(error.message, error.retry_after)

    return limiter


def _answer(message: str, retry_after: int):
    body = {"error": {"status": 429, "code": "rate_limited", "message": message, "retry_after": retry_after}}
    return jsonify(body), 429, {"Retry-After": str(retry_after)}

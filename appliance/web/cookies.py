"""The session cookie: signed as Flask signs it, marked Secure when the request came over TLS (or
always, by setting), and re-signed only when it has something new to say.

A session lasts ``session_days`` from the cookie's last signing, so it slides while an agent works.
Flask re-signs the cookie on every request to slide it; an agent's console makes many requests a
minute, and each new signature moved the expiry by seconds of a fourteen-day window. The cookie
is re-signed when the session changed or when its signature is older than ``REFRESH_AFTER``.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Flask, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature

REFRESH_AFTER = timedelta(hours=1)


class SecureWhenTlsSessionInterface(SecureCookieSessionInterface):
    def __init__(self, refresh_after: timedelta = REFRESH_AFTER,
                 clock=lambda: datetime.now(timezone.utc)) -> None:
        self.refresh_after = refresh_after
        self.clock = clock

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def open_session(self, app: Flask, request) -> SecureCookieSession | None:
        """As Flask's, also noting when the cookie was signed (``signed_at``)."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or self.clock() - signed_at >= self.refresh_after

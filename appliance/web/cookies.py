"""The session cookie is marked Secure when the request came over TLS (or always, by setting)."""
from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface


class SecureWhenTlsSessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

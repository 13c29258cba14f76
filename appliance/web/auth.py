"""Who is asking: the logged-in agent or admin, from the session cookie; the API's login, and a
person changing their own password."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import current_app, g, request, session
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf

from .. import serializers
from ..errors import Forbidden, Unauthorized
from .schemas import LoginIn, PasswordChangeIn, SessionOut

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Logging in and out, and your own password")


def services():
    return current_app.extensions["hearth"]


def load_session_user():
    """The active user the session names (or None), cached on ``g`` for this request."""
    if "user" not in g:
        g.user = services().users.active_session_user(session.get("user_id"), session.get("company_id"),
                                                      session.get("epoch"))
        g.company = g.user.company if g.user is not None else None
    return g.user


def login_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        if load_session_user() is None:
            raise Unauthorized("log in first: POST /api/v1/auth/login")
        return view(*args, **kwargs)
    return wrapper


def admin_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        user = load_session_user()
        if user is None:
            raise Unauthorized("log in first: POST /api/v1/auth/login")
        if not user.is_admin:
            raise Forbidden("only an admin of your company can do this")
        return view(*args, **kwargs)
    return wrapper


def _session_payload(user) -> dict:
    return {"user": serializers.user(user), "company": serializers.company(user.company),
            "csrf_token": generate_csrf()}


@blp.route("/login", methods=["POST"])
@blp.arguments(LoginIn())
@blp.response(200, SessionOut)
def login(credentials):
    """Log in; sets the session cookie and returns the CSRF token for state-changing requests.
    Attempts are limited per client address and per account (429); an account locks after
    repeated failures (403 account_locked) until the lock runs out or an admin unlocks it."""
    account = credentials["email"].strip().lower()
    _count_password_attempt(account)
    user = services().users.authenticate(credentials["email"], credentials["password"])
    current_app.extensions["hearth_limits"].reset("login_account", account)
    start_session(user)
    return _session_payload(user)


def _count_password_attempt(account: str) -> None:
    """Count a try at ``account``'s password against the login limits (429 once over them)."""
    limiter = current_app.extensions["hearth_limits"]
    limiter.check("login_ip", request.remote_addr or "unknown")
    limiter.check("login_account", account)


def start_session(user) -> None:
    """A fresh session (and CSRF token, so one per login) for ``user``, of the account's current epoch."""
    session.clear()
    session.permanent = True
    session["user_id"] = user.id
    session["company_id"] = user.company_id
    session["epoch"] = user.session_epoch


@blp.route("/logout", methods=["POST"])
@blp.response(204)
def logout():
    """Log out: this account's sessions end on every device (a copy of the cookie stops working too)."""
    user = services().users.active_session_user(session.get("user_id"), session.get("company_id"),
                                                session.get("epoch"))
    if user is not None:
        services().users.end_sessions(user)
    session.clear()


@blp.route("/password", methods=["POST"])
@blp.arguments(PasswordChangeIn())
@blp.response(200, SessionOut)
@login_required
def change_password(payload):
    """Change your own password, typing your current one. Every other session of your account ends
    (other devices, copied cookies); this one carries on, with a new CSRF token in the answer.
    A wrong current password is a 422 on current_password and counts as a failed login: attempts
    share the login's limits (429) and lockout (403 account_locked)."""
    account = g.user.email
    _count_password_attempt(account)
    user = services().users.change_own_password(g.user, **payload)
    current_app.extensions["hearth_limits"].reset("login_account", account)
    start_session(user)
    return _session_payload(user)


@blp.route("/me", methods=["GET"])
@blp.response(200, SessionOut)
@login_required
def me():
    """The logged-in user, their company and a CSRF token."""
    return _session_payload(g.user)

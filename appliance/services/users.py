"""Agents and admins of a company: accounts, passwords, roles."""
from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from .. import events
from ..db import PreparedSelect, database
from ..domain.models import ROLES, Company, User
from ..errors import BadRequest, Conflict, HearthError, NotFound, Unauthorized
from .base import Service, clean_text, is_row_id, joined_columns, take_joined

logger = logging.getLogger(__name__)


class AccountLocked(HearthError):
    status = 403
    code = "account_locked"


EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
# scrypt with a random salt per password (werkzeug's default, deliberately slow).
PASSWORD_METHOD = "scrypt"
# Compared against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method=PASSWORD_METHOD)


def normalise_email(value: Any, field: str = "email") -> str:
    if not isinstance(value, str):
        raise BadRequest.field(field, "must be a string")
    value = value.strip().lower()
    if len(value) > 254 or not EMAIL_RE.match(value):
        raise BadRequest.field(field, "is not a valid email address")
    return value


def _session_user_query(user_id: int, company_id: int):
    return (User.select(User, *joined_columns(Company, "company__"))
            .join(Company, on=(Company.id == User.company))
            .where((User.id == user_id) & (User.company == company_id)))


class UserService(Service):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # every authenticated request reads its user and company: the query's SQL is written once
        self._session_user_query = PreparedSelect(User, _session_user_query)

    def _check_password(self, password: Any, field: str = "password") -> str:
        if not isinstance(password, str):
            raise BadRequest.field(field, "must be a string")
        if len(password) < self.settings.password_min_length:
            raise BadRequest.field(field, f"must be at least {self.settings.password_min_length} characters")
        if len(password) > 1024:
            raise BadRequest.field(field, "must be at most 1024 characters")
        return password

    @staticmethod
    def _check_role(role: Any) -> str:
        if role not in ROLES:
            raise BadRequest.field("role", f"must be one of: {', '.join(ROLES)}")
        return role

    def create(self, company: Company, actor: User | None, *, email: Any, password: Any,
               name: Any, role: Any = "agent") -> User:
        email = normalise_email(email)
        name = clean_text(name, "name", 120, multiline=False)
        password = self._check_password(password)
        role = self._check_role(role)
        with database.atomic():
            if User.select().where(User.email == email).exists():
                raise Conflict(f"a user with email {email} already exists", fields={"email": ["already in use"]})
            user = User.create(company=company, email=email, name=name, role=role,
                               password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
                               created_at=self.clock())
            self.audit(company, actor, "user.created", "user", user.id, email=email, role=role)
        return user

    def authenticate(self, email: Any, password: Any) -> User:
        """The active user with these credentials, or Unauthorized (same answer for every failure).

        After ``login_lockout_failures`` failures in a row the account is locked for
        ``login_lockout_minutes`` (kept in the database, so a restart does not reset it)."""
        failure = Unauthorized("wrong email or password")
        if not isinstance(email, str) or not isinstance(password, str):
            raise failure
        user = User.get_or_none(User.email == email.strip().lower())
        if user is None:
            check_password_hash(_DUMMY_HASH, password)
            raise failure
        now = self.clock()
        self._refuse_while_locked(user, now)
        if not check_password_hash(user.password_hash, password) or not user.active:
            self._count_failure(user, now)
            raise failure
        User.update(last_login_at=now, failed_logins=0, locked_until=None).where(User.id == user.id).execute()
        return user

    def change_own_password(self, user: User, *, current_password: Any, new_password: Any) -> User:
        """Give ``user`` a new password, once they have typed their current one; every session of
        the account ends (the caller starts a fresh one for the device that asked).

        Someone holding a session (a borrowed laptop, a copied cookie) could guess the password here
        instead of at the login: a wrong current password counts toward the account's lockout as a
        failed login does, and a locked account cannot change it either."""
        now = self.clock()
        self._refuse_while_locked(user, now)
        if not isinstance(current_password, str) or not check_password_hash(user.password_hash, current_password):
            self._count_failure(user, now)
            raise BadRequest.field("current_password", "is not your current password")
        new_password = self._check_password(new_password, "new_password")
        if new_password == current_password:
            raise BadRequest.field("new_password", "is your current password; choose a different one")
        user.password_hash = generate_password_hash(new_password, method=PASSWORD_METHOD)
        user.failed_logins, user.locked_until = 0, None
        with database.atomic():
            User.update(password_hash=user.password_hash, failed_logins=0, locked_until=None).where(
                User.id == user.id).execute()
            self._raise_epoch(user)
            self.audit(user.company, user, "user.password_changed", "user", user.id)  # never the password
        self.bus.publish(events.SESSIONS_ENDED, company_id=user.company_id, user_id=user.id)
        return user

    @staticmethod
    def _refuse_while_locked(user: User, now) -> None:
        if user.locked_until is not None and user.locked_until > now:
            raise AccountLocked(
                f"this account is locked after {user.failed_logins} failed logins; try again after "
                f"{user.locked_until:%H:%M} UTC or ask an admin of your company to unlock it")

    def _count_failure(self, user: User, now) -> None:
        failures = user.failed_logins + 1 if user.locked_until is None else 1
        limit = self.settings.login_lockout_failures
        locked_until = now + timedelta(minutes=self.settings.login_lockout_minutes) if limit and failures >= limit else None
        with database.atomic():
            User.update(failed_logins=failures, locked_until=locked_until).where(User.id == user.id).execute()
            if locked_until is not None:
                self.audit(user.company, None, "user.locked", "user", user.id, failed_logins=failures,
                           locked_until=locked_until.isoformat())
                logger.warning("account %s locked until %s after %d failed logins", user.id, locked_until, failures)

    def unlock(self, company: Company, actor: User, user_id: Any) -> User:
        """Let a locked account log in again at once (admins)."""
        user = self.get(company, user_id)
        with database.atomic():
            User.update(failed_logins=0, locked_until=None).where(User.id == user.id).execute()
            self.audit(company, actor, "user.unlocked", "user", user.id)
        return self.get(company, user_id)

    def list(self, company: Company) -> list[User]:
        return list(User.select().where(User.company == company).order_by(User.name, User.id))

    def get(self, company: Company, user_id: Any) -> User:
        user = None
        if is_row_id(user_id):
            user = User.get_or_none((User.id == user_id) & (User.company == company))
        if user is None:
            raise NotFound(f"no user {user_id} in your company")
        return user

    def active_session_user(self, user_id: Any, company_id: Any, epoch: Any) -> User | None:
        """The logged-in user a session names, if it still exists, is active, is in that company and
        the session is of the account's current epoch (see ``end_sessions``); its ``company`` is read
        by the same query."""
        if not is_row_id(user_id) or not is_row_id(company_id):
            return None
        user = self._session_user_query.first(user_id, company_id)
        if user is None or not user.active or (epoch or 0) != user.session_epoch:
            return None
        return take_joined(user, "company", Company, "company__")

    def end_sessions(self, user: User) -> int:
        """End every session of this account, on every device (logout, a new password, deactivation):
        sessions carry the epoch they began in, and this raises it. Returns the new epoch."""
        with database.atomic():
            self._raise_epoch(user)
        self.bus.publish(events.SESSIONS_ENDED, company_id=user.company_id, user_id=user.id)
        return user.session_epoch

    @staticmethod
    def _raise_epoch(user: User) -> None:
        User.update(session_epoch=User.session_epoch + 1).where(User.id == user.id).execute()  # in SQL: a
        user.session_epoch = User.select(User.session_epoch).where(User.id == user.id).scalar()  # concurrent raise counts

    def update(self, company: Company, actor: User, user_id: int, *, name: Any = None, role: Any = None,
               active: Any = None, password: Any = None) -> User:
        user = self.get(company, user_id)
        changes: dict[str, Any] = {}
        if name is not None:
            user.name = changes["name"] = clean_text(name, "name", 120, multiline=False)
        if role is not None:
            user.role = changes["role"] = self._check_role(role)
        if active is not None:
            if not isinstance(active, bool):
                raise BadRequest.field("active", "must be true or false")
            user.active = changes["active"] = active
        if password is not None:
            user.password_hash = generate_password_hash(self._check_password(password), method=PASSWORD_METHOD)
            changes["password"] = "changed"
        if user.id == actor.id and (user.role != "admin" or not user.active):
            raise BadRequest("you cannot remove your own admin role or deactivate yourself; ask another admin")
        if not changes:  # nothing asked: nothing written, nothing audited
            return user
        # Whoever knew the old password, and a deactivated account (reactivated later), are logged out
        # everywhere; in the same transaction as the change.
        ends_sessions = "password" in changes or changes.get("active") is False
        with database.atomic():
            user.save(only=user.dirty_fields)  # not a session epoch read before a concurrent logout raised it
            if ends_sessions:
                self._raise_epoch(user)
            self._ensure_an_admin_remains(company)
            self.audit(company, actor, "user.updated", "user", user.id, changes=changes)
        if changes.get("active") is False:
            self.bus.publish(events.USER_DEACTIVATED, company_id=company.id, user_id=user.id)
        if ends_sessions:
            self.bus.publish(events.SESSIONS_ENDED, company_id=company.id, user_id=user.id)
        return user

    @staticmethod
    def _ensure_an_admin_remains(company: Company) -> None:
        admins = User.select().where((User.company == company) & (User.role == "admin") & User.active).count()
        if admins == 0:
            raise BadRequest("a company needs at least one active admin")

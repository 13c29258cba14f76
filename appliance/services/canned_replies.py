"""Canned replies: prepared answers with placeholders, shared with the company or one agent's own.

Placeholders are written ``{{customer.name}}``; ``{{customer.name|friend}}`` gives the text to use
when the value is missing. Rendering for a ticket happens here, on the server.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from peewee import IntegrityError

from ..db import database
from ..domain.models import CannedReply, Company, Ticket, User
from ..errors import BadRequest, Forbidden, NotFound
from .base import Service, clean_text, is_row_id

PLACEHOLDER = re.compile(r"\{\{\s*([^{}|]*?)\s*(?:\|([^{}]*))?\}\}")
SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
BODY_LIMIT = 5000


def _first(name: str) -> str:
    return name.split()[0] if name.split() else ""


# name -> (value for a ticket and agent, fallback when that value is empty)
PLACEHOLDERS: dict[str, tuple[Callable[[Ticket, User], str], str]] = {
    "customer.name": (lambda t, a: t.customer.name, "there"),
    "customer.first_name": (lambda t, a: _first(t.customer.name), "there"),
    "customer.email": (lambda t, a: t.customer.email, "your email address"),
    "ticket.number": (lambda t, a: str(t.number), ""),
    "ticket.subject": (lambda t, a: t.subject, "your request"),
    "agent.name": (lambda t, a: a.name, "the support team"),
    "agent.first_name": (lambda t, a: _first(a.name), "the support team"),
    "company.name": (lambda t, a: t.company.name, "our team"),
}


def check_template(body: str, field: str = "body") -> None:
    """Refuse unknown placeholders (naming them) and braces that open no placeholder."""
    unknown = [m.group(1) for m in PLACEHOLDER.finditer(body) if m.group(1) not in PLACEHOLDERS]
    if unknown:
        names = ", ".join("{{%s}}" % name for name in dict.fromkeys(unknown))
        known = ", ".join("{{%s}}" % name for name in PLACEHOLDERS)
        raise BadRequest.field(field, f"unknown placeholder {names}; use one of: {known}")
    rest = PLACEHOLDER.sub("", body)
    if "{{" in rest or "}}" in rest:
        raise BadRequest.field(field, "has '{{' or '}}' that is not part of a placeholder like {{customer.name}}")


@dataclass
class Rendered:
    body: str
    fallbacks: list[str]  # placeholders whose value was missing, so their fallback text was used


def render(body: str, ticket: Ticket, agent: User) -> Rendered:
    """The template's text for this ticket and agent; missing values take their fallback."""
    fallbacks: list[str] = []

    def value(match: re.Match) -> str:
        name, explicit = match.group(1), match.group(2)
        getter, default = PLACEHOLDERS[name]
        text = (getter(ticket, agent) or "").strip()
        if text:
            return text
        fallbacks.append(name)
        return explicit.strip() if explicit is not None else default

    return Rendered(PLACEHOLDER.sub(value, body), fallbacks)


class CannedReplyService(Service):
    def visible(self, company: Company, user: User, *, q: str | None = None) -> list[CannedReply]:
        """The company's shared replies and the user's own, by shortcut."""
        query = CannedReply.select().where(
            (CannedReply.company == company) & (CannedReply.owner.is_null() | (CannedReply.owner == user)))
        if q:
            query = query.where(CannedReply.shortcut.contains(q) | CannedReply.title.contains(q))  # wildcards escaped
        return list(query.order_by(CannedReply.shortcut, CannedReply.id))

    def get(self, company: Company, user: User, reply_id: Any) -> CannedReply:
        """A reply the user can see; someone else's personal reply answers NotFound like a missing one."""
        reply = None
        if is_row_id(reply_id):
            reply = CannedReply.get_or_none(
                (CannedReply.id == reply_id) & (CannedReply.company == company)
                & (CannedReply.owner.is_null() | (CannedReply.owner == user)))
        if reply is None:
            raise NotFound(f"no canned reply {reply_id} in your company")
        return reply

    def _clean(self, fields: dict[str, Any]) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        if "title" in fields:
            clean["title"] = clean_text(fields["title"], "title", 120, multiline=False)
        if "shortcut" in fields:
            shortcut = clean_text(fields["shortcut"], "shortcut", 32, multiline=False).lstrip("/").lower()
            if not SHORTCUT.match(shortcut):
                raise BadRequest.field("shortcut", "use 1–32 lowercase letters, digits, '-' or '_', "
                                                   "starting with a letter or digit (like refund-policy)")
            clean["shortcut"] = shortcut
        if "body" in fields:
            clean["body"] = clean_text(fields["body"], "body", BODY_LIMIT)
            check_template(clean["body"])
        return clean

    def _check_shared_rights(self, user: User, shared: bool) -> None:
        if shared and not user.is_admin:
            raise Forbidden("only an admin can manage shared canned replies; make it personal (shared: false)")

    def _save(self, reply: CannedReply, company: Company, actor: User, action: str) -> CannedReply:
        try:
            with database.atomic():
                reply.save()
                self.audit(company, actor, action, "canned_reply", reply.id, shortcut=reply.shortcut,
                           shared=reply.owner_id is None)
        except IntegrityError:
            scope = "shared replies" if reply.owner_id is None else "your personal replies"
            raise BadRequest.field("shortcut", f"/{reply.shortcut} is already used by one of the {scope}; "
                                               "choose another") from None
        return reply

    def create(self, company: Company, user: User, *, title: Any, shortcut: Any, body: Any,
               shared: bool = False) -> CannedReply:
        """A new reply: shared with the company (admins only) or personal to its author."""
        self._check_shared_rights(user, shared)
        clean = self._clean({"title": title, "shortcut": shortcut, "body": body})
        now = self.clock()
        reply = CannedReply(company=company, owner=None if shared else user, created_at=now, updated_at=now, **clean)
        return self._save(reply, company, user, "canned_reply.created")

    def update(self, company: Company, user: User, reply_id: Any, **fields: Any) -> CannedReply:
        """Change a reply; shared ones (and making one shared) are for admins."""
        reply = self.get(company, user, reply_id)
        self._check_shared_rights(user, reply.owner_id is None)
        clean = self._clean(fields)
        if "shared" in fields:
            self._check_shared_rights(user, fields["shared"])
            reply.owner = None if fields["shared"] else user
        for name, value in clean.items():
            setattr(reply, name, value)
        reply.updated_at = self.clock()
        return self._save(reply, company, user, "canned_reply.updated")

    def delete(self, company: Company, user: User, reply_id: Any) -> None:
        reply = self.get(company, user, reply_id)
        self._check_shared_rights(user, reply.owner_id is None)
        with database.atomic():
            reply.delete_instance()
            self.audit(company, user, "canned_reply.deleted", "canned_reply", reply.id, shortcut=reply.shortcut)

    def render_for(self, company: Company, agent: User, reply_id: Any, ticket: Ticket) -> tuple[CannedReply, Rendered]:
        """The reply's text with the ticket's and agent's values in place (the ticket is the company's)."""
        reply = self.get(company, agent, reply_id)
        return reply, render(reply.body, ticket, agent)

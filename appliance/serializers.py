"""The JSON shapes of Hearth's objects, shared by the HTTP API and the Socket.IO events."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from .domain.models import Article, AuditEntry, CannedReply, Company, Customer, Message, Ticket, TicketTag, User
from .netguard import is_local_address


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=timezone.utc).isoformat()


def person(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.id, "name": user.name}


def user(u: User) -> dict[str, Any]:
    return {"id": u.id, "email": u.email, "name": u.name, "role": u.role, "active": u.active,
            "created_at": iso(u.created_at), "locked_until": iso(u.locked_until)}


def company(c: Company) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "slug": c.slug, "settings": c.effective_settings()}


def public_company(c: Company) -> dict[str, Any]:
    """What a widget visitor may know about the company."""
    return {"name": c.name, "widget_color": c.setting("widget_color"), "widget_greeting": c.setting("widget_greeting")}


def widget_look(c: Company) -> dict[str, Any]:
    """How the embed script draws the company's chat bubble on the shop's pages (public: any site may ask)."""
    return {"name": c.name, "widget_color": c.setting("widget_color")}


def customer(c: Customer) -> dict[str, Any]:
    return {"id": c.id, "name": c.display_name, "email": c.email}


def ticket(t: Ticket) -> dict[str, Any]:
    return {
        "id": t.id, "number": t.number, "subject": t.subject, "status": t.status, "priority": t.priority,
        "channel": t.channel, "assignee": assignee(t), "customer": customer(t.customer),
        "created_at": iso(t.created_at), "updated_at": iso(t.updated_at),
        "first_response_at": iso(t.first_response_at), "waiting_since": iso(t.waiting_since),
        "resolved_at": iso(t.resolved_at), "last_message_at": iso(t.last_message_at),
        "last_message_preview": t.last_message_preview,
        "resolved_by": t.resolved_by, "csat": csat(t), "tags": tag_names(t),
    }


def assignee(t: Ticket) -> dict[str, Any] | None:
    """The ticket's assignee: read with the ticket by the query that loads a customer's open ticket
    (``assignee_person``, used while it still names the ticket's assignee), else read here."""
    if t.assignee_id is None:
        return None
    read = getattr(t, "assignee_person", None)
    if read is not None and read["id"] == t.assignee_id:
        return read
    return person(t.assignee)


def csat(t: Ticket) -> dict[str, Any] | None:
    """The customer's rating of the ticket, if they gave one."""
    if t.csat_score is None:
        return None
    return {"score": t.csat_score, "comment": t.csat_comment, "rated_at": iso(t.csat_at)}


def tag_names(t: Ticket) -> list[str]:
    """The ticket's tags: loaded in bulk by TagService.attach for lists, else read here."""
    names = getattr(t, "tag_names", None)
    if names is None:
        names = [r.name for r in TicketTag.select(TicketTag.name).where(TicketTag.ticket == t.id)
                 .order_by(TicketTag.name)]
    return names


def canned_reply(r: CannedReply, viewer: User) -> dict[str, Any]:
    shared = r.owner_id is None
    return {"id": r.id, "title": r.title, "shortcut": r.shortcut, "body": r.body, "shared": shared,
            "editable": viewer.is_admin if shared else r.owner_id == viewer.id,
            "created_at": iso(r.created_at), "updated_at": iso(r.updated_at)}


def message(m: Message) -> dict[str, Any]:
    return {
        "id": m.id, "ticket_id": m.ticket_id, "author_role": m.author_role, "author": person(m.author_user),
        "body": m.body, "private": m.private, "created_at": iso(m.created_at), "metadata": m.metadata or {},
    }


def public_message(m: Message) -> dict[str, Any]:
    """A message as the customer sees it (callers never pass private notes)."""
    if m.private:
        raise ValueError("a private note must never reach a customer")
    names = {"agent": m.author_user.name if m.author_user_id else "Support", "ai": "Assistant", "system": "",
             "customer": "You"}
    meta = m.metadata or {}
    public = {"id": m.id, "ticket_id": m.ticket_id, "author_role": m.author_role,
              "author_name": names.get(m.author_role, ""), "body": m.body, "created_at": iso(m.created_at),
              "client_id": m.client_id}
    if m.author_role == "ai":
        public["stream_id"] = meta.get("stream_id")
        public["sources"] = [{"article_id": s["article_id"], "title": s["title"]} for s in meta.get("sources", [])]
    return public


def public_conversation(t: Ticket | None, messages: list[Message]) -> dict[str, Any]:
    """A visitor's current conversation as their widget shows it: their own ticket's public messages,
    where it stands (status, when it was finished) and whether they rated it."""
    return {
        "ticket_id": t.id if t else None,
        "ticket_status": t.status if t else None,
        "ticket_resolved_at": iso(t.resolved_at) if t else None,
        "ticket_rated": t.csat_score is not None if t else False,
        "messages": [public_message(m) for m in messages],
    }


def article(a: Article) -> dict[str, Any]:
    return {"id": a.id, "title": a.title, "body": a.body, "tags": a.tags or [], "published": a.published,
            "created_at": iso(a.created_at), "updated_at": iso(a.updated_at)}


def audit_entry(e: AuditEntry) -> dict[str, Any]:
    return {"id": e.id, "actor": person(e.actor_user), "action": e.action, "target_type": e.target_type,
            "target_id": e.target_id, "details": e.details or {}, "created_at": iso(e.created_at)}


def sla_target(t) -> dict[str, Any]:
    return {"target": t.kind, "minutes": t.minutes, "due_at": iso(t.due_at), "warn_at": iso(t.warn_at),
            "remaining_minutes": round(t.remaining_minutes, 1), "state": t.state, "paused": t.paused}


def sla_event(e) -> dict[str, Any]:
    return {"id": e.id, "ticket_id": e.ticket_id, "target": e.target, "kind": e.kind, "due_at": iso(e.due_at),
            "created_at": iso(e.created_at)}


def sla_summary(summary: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if summary is None else {**summary, "next_due_at": iso(summary["next_due_at"])}


def webhook(e, *, with_secret: bool = False, offline_only: bool = False) -> dict[str, Any]:
    """A webhook endpoint; its secret only when it has just been created. ``offline_blocked``: offline-only
    mode is on and the URL's host is beyond this machine and the LAN, so every delivery would be refused."""
    blocked = offline_only and not is_local_address(urlsplit(e.url).hostname or "")
    data = {"id": e.id, "url": e.url, "events": e.events, "active": e.active, "created_at": iso(e.created_at),
            "offline_blocked": blocked}
    if with_secret:
        data["secret"] = e.secret
    return data


def webhook_delivery(d) -> dict[str, Any]:
    return {"id": d.id, "endpoint_id": d.endpoint_id, "event": d.event, "status": d.status, "attempts": d.attempts,
            "last_status_code": d.last_status_code, "last_error": d.last_error,
            "next_attempt_at": iso(d.next_attempt_at) if d.status == "pending" else None,
            "created_at": iso(d.created_at), "updated_at": iso(d.updated_at), "payload": d.payload}
def notification(n) -> dict[str, Any]:
    return {"id": n.id, "kind": n.kind, "ticket_id": n.ticket_id, "title": n.title, "body": n.body,
            "created_at": iso(n.created_at), "read": n.read_at is not None}


def team(t, member_ids: list[int]) -> dict[str, Any]:
    return {"id": t.id, "name": t.name, "member_ids": member_ids}


def routing_rule(r) -> dict[str, Any]:
    return {"id": r.id, "position": r.position, "kind": r.kind, "value": r.value,
            "team": {"id": r.team.id, "name": r.team.name}, "priority": r.priority}

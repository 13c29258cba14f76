"""Tags on tickets. A company's vocabulary is simply the set of tag names its tickets carry."""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable

from peewee import fn

from .. import events
from ..db import database
from ..domain.models import Company, Ticket, TicketTag, User
from ..errors import BadRequest
from .base import Service

TAG = re.compile(r"^[\w][\w.-]{0,39}$")
MAX_TAGS_PER_TICKET = 20


def normalize_tag(value: Any, field: str = "tag") -> str:
    """A tag as stored: trimmed, lower case, inner spaces as '-'; letters, digits, '-', '_', '.'."""
    if not isinstance(value, str):
        raise BadRequest.field(field, "must be a string")
    tag = "-".join(unicodedata.normalize("NFC", value).strip().lower().split())
    if not tag:
        raise BadRequest.field(field, "must not be empty")
    if not TAG.match(tag):
        raise BadRequest.field(field, f"{tag[:50]!r} is not a tag: use up to 40 letters, digits, '-', '_' or '.', "
                                      "starting with a letter or digit")
    return tag


class TagService(Service):
    def __init__(self, settings, bus, clock, tickets):
        super().__init__(settings, bus, clock)
        self.tickets = tickets

    def names(self, ticket: Ticket) -> list[str]:
        return [t.name for t in TicketTag.select(TicketTag.name).where(TicketTag.ticket == ticket)
                .order_by(TicketTag.name)]

    def attach(self, tickets: Iterable[Ticket]) -> None:
        """Load the tags of many tickets in one query (kept on each ticket for the serializer)."""
        tickets = list(tickets)
        by_id: dict[int, list[str]] = {t.id: [] for t in tickets}
        if by_id:
            rows = (TicketTag.select(TicketTag.ticket, TicketTag.name).where(TicketTag.ticket.in_(list(by_id)))
                    .order_by(TicketTag.name).tuples())
            for ticket_id, name in rows:
                by_id[ticket_id].append(name)
        for t in tickets:
            t.tag_names = by_id[t.id]

    def add(self, company: Company, actor: User, ticket_id: Any, name: Any) -> Ticket:
        """Put a tag on the company's ticket (adding one it already has changes nothing)."""
        tag = normalize_tag(name)
        ticket = self.tickets.get(company, ticket_id)
        with database.atomic():
            current = self.names(ticket)
            if tag in current:
                ticket.tag_names = current
                return ticket
            if len(current) >= MAX_TAGS_PER_TICKET:
                raise BadRequest.field("tag", f"a ticket carries at most {MAX_TAGS_PER_TICKET} tags; remove one first")
            TicketTag.create(company=company, ticket=ticket, name=tag, created_at=self.clock())
            self.audit(company, actor, "ticket.tagged", "ticket", ticket.id, tag=tag)
        return self._changed(company, ticket, {"tags": {"added": tag}})

    def remove(self, company: Company, actor: User, ticket_id: Any, name: Any) -> Ticket:
        """Take a tag off the company's ticket (removing one it lacks changes nothing)."""
        tag = normalize_tag(name)
        ticket = self.tickets.get(company, ticket_id)
        with database.atomic():
            removed = TicketTag.delete().where((TicketTag.ticket == ticket) & (TicketTag.name == tag)).execute()
            if removed:
                self.audit(company, actor, "ticket.untagged", "ticket", ticket.id, tag=tag)
        if not removed:
            ticket.tag_names = self.names(ticket)
            return ticket
        return self._changed(company, ticket, {"tags": {"removed": tag}})

    def _changed(self, company: Company, ticket: Ticket, changes: dict) -> Ticket:
        ticket.tag_names = self.names(ticket)
        self.bus.publish(events.TICKET_UPDATED, company_id=company.id, ticket=ticket, changes=changes)
        return ticket

    def vocabulary(self, company: Company) -> list[tuple[str, int]]:
        """Every tag in use in the company, with how many tickets carry it, most used first."""
        count = fn.COUNT(TicketTag.id)
        rows = (TicketTag.select(TicketTag.name, count.alias("n")).where(TicketTag.company == company)
                .group_by(TicketTag.name).order_by(count.desc(), TicketTag.name).tuples())
        return list(rows)

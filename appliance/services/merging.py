"""Merging two tickets of one customer: the source's conversation moves into the target."""
from __future__ import annotations

from typing import Any

from peewee import IntegrityError

from .. import events
from ..db import database
from ..domain.models import Company, Message, Ticket, TicketMerge, TicketTag, User
from ..errors import BadRequest, Conflict
from .base import Service
from .tickets import OPEN_STATUSES, TicketService, _preview, _track_status, ticket_label


class MergeService(Service):
    def __init__(self, settings, bus, clock, tickets: TicketService):
        super().__init__(settings, bus, clock)
        self.tickets = tickets

    def merge(self, company: Company, actor: User, source_id: Any, target_id: Any) -> tuple[Ticket, Ticket]:
        """Move every message of ``source`` into ``target`` (they keep their times, so the target
        reads in time order), carry its tags over, close the source with a note pointing at the
        target, and audit it: all in one transaction. A finished target is reopened when the
        source was still open. Returns (source, target)."""
        source = self.tickets.get(company, source_id)
        target = self.tickets.get(company, target_id)  # another company's ticket: NotFound
        if source.id == target.id:
            raise BadRequest.field("target_id", "a ticket cannot be merged into itself; choose another ticket")
        if source.customer_id != target.customer_id:
            raise Conflict(f"{ticket_label(source)} and {ticket_label(target)} belong to different customers; "
                           "only tickets of the same customer can be merged",
                           fields={"target_id": ["belongs to another customer"]})
        for ticket in (source, target):
            done = TicketMerge.get_or_none(TicketMerge.source == ticket)
            if done is not None:
                raise Conflict(f"{ticket_label(ticket)} was already merged into {ticket_label(done.target)}; "
                               f"use {ticket_label(done.target)} instead", fields={"target_id": ["already merged"]})
        now = self.clock()
        with database.atomic():
            moved = list(Message.select().where(Message.ticket == source).order_by(Message.created_at, Message.id))
            Message.update(ticket=target).where(Message.ticket == source).execute()
            for name in {t.name for t in source.tag_rows} - {t.name for t in target.tag_rows}:
                TicketTag.create(company=company, ticket=target, name=name, created_at=now)
            try:
                TicketMerge.create(company=company, source=source, target=target, merged_by=actor,
                                   moved_messages=len(moved), created_at=now)
            except IntegrityError:  # merged by someone else a moment ago: undo everything
                raise Conflict(f"{ticket_label(source)} was just merged by someone else; reload it",
                               fields={"target_id": ["already merged"]}) from None

            if moved:
                target.last_message_at = max(target.last_message_at, max(m.created_at for m in moved))
            latest = (Message.select().where((Message.ticket == target) & (Message.private == False))  # noqa: E712
                      .order_by(Message.created_at.desc(), Message.id.desc()).first())
            if latest is not None:
                target.last_message_preview = _preview(latest.body)
            firsts = [t for t in (source.first_response_at, target.first_response_at) if t is not None]
            target.first_response_at = min(firsts) if firsts else None
            queued = [t for t in (source.queued_at, target.queued_at) if t is not None]
            target.queued_at = min(queued) if queued else None  # either reached the people: the target has
            target_changes: dict[str, Any] = {"merged_from": source.id}
            if source.status in OPEN_STATUSES and target.status not in OPEN_STATUSES:
                # the customer's live question must not land in a finished ticket nobody looks at
                target_changes["status"] = [target.status, "open"]
                _track_status(target, target.status, "open", now)
                target.status, target.resolved_at = "open", None
            elif target.status == "bot" and source.queued_at is not None:
                # the people had the merged-in conversation: the AI does not take it back from them
                target_changes["status"] = ["bot", "open"]
                _track_status(target, "bot", "open", now)
                target.status = "open"
            if target.status in OPEN_STATUSES:
                waits = [w for w in (source.waiting_since, target.waiting_since) if w is not None]
                target.waiting_since = min(waits) if waits else None
            if target.assignee_id is None and source.assignee_id is not None:
                target_changes["assignee_id"] = [None, source.assignee_id]
                target.assignee = source.assignee_id
            target.updated_at = now
            target.save()

            from_note = Message.create(
                company=company, ticket=target, author_role="system", private=True, created_at=now,
                body=f"Ticket #{source.number} was merged into this one ({len(moved)} messages moved).",
                metadata={"merged_from": {"id": source.id, "number": source.number}})
            into_note = Message.create(
                company=company, ticket=source, author_role="system", private=True, created_at=now,
                body=f"Merged into ticket #{target.number}; the conversation continues there.",
                metadata={"merged_into": {"id": target.id, "number": target.number}})
            previous = source.status
            _track_status(source, previous, "closed", now)
            source.status = "closed"
            source.resolved_at = source.resolved_at or now
            source.waiting_since = None
            source.last_message_preview = into_note.body
            source.updated_at = now
            source.save()
            self.audit(company, actor, "ticket.merged", "ticket", source.id, into_ticket_id=target.id,
                       source_number=source.number, target_number=target.number, moved_messages=len(moved))

        source, target = self.tickets.get(company, source.id), self.tickets.get(company, target.id)
        self.bus.publish(events.MESSAGE_CREATED, company_id=company.id, ticket=source, message=into_note)
        self.bus.publish(events.MESSAGE_CREATED, company_id=company.id, ticket=target, message=from_note)
        self.bus.publish(events.TICKET_UPDATED, company_id=company.id, ticket=source,
                         changes={"status": [previous, "closed"], "merged_into": target.id})
        self.bus.publish(events.TICKET_UPDATED, company_id=company.id, ticket=target,
                         changes=target_changes)
        self.bus.publish(events.TICKET_MERGED, company_id=company.id, source=source, target=target,
                         moved_message_ids=[m.id for m in moved])
        return source, target

    def merged_into(self, ticket: Ticket) -> TicketMerge | None:
        return TicketMerge.get_or_none(TicketMerge.source == ticket)

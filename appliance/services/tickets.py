"""Tickets and their messages: the conversation between a customer and the desk."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Iterable

from peewee import JOIN, SQL, IntegrityError, fn

from .. import events
from ..db import PreparedSelect, PreparedWrites, database
from ..domain.models import (PRIORITIES, TICKET_STATUSES, Company, Customer, Message, Ticket, TicketMerge, TicketPause,
                             TicketTag, User)
from ..errors import BadRequest, Conflict, NotFound
from . import search
from .base import Service, clean_text, is_row_id
from .routing import mark_manual, unmark_manual
from .tags import normalize_tag
from .ticket_reads import CompanyTicketRead, take_extras, ticket_extras

if TYPE_CHECKING:
    from .notifications import NotificationService

OPEN_STATUSES = ("bot", "open", "pending")
# one statement for every new ticket, written once
_TAKE_NUMBER = ('UPDATE "company" SET "next_ticket_number" = "next_ticket_number" + 1 WHERE "id" = ? '
                'RETURNING "next_ticket_number" - 1')
PREVIEW_LENGTH = 140
PAUSED_STATUSES = ("pending", "bot")  # SLA clocks of a ticket that reached the people stand still in these


def _track_status(ticket: Ticket, old: str, new: str, now) -> None:
    """Keep the SLA clocks' inputs in step with a status change. Call inside the transaction that
    changes the status, before saving the ticket.

    The clocks start when the ticket first reaches the desk's people (``queued_at``): created with
    the AI off, or moved from the AI to "open" or "pending" (handed over, or taken over by a person).
    Not at the customer's first message: until then the AI was answering them, and the people could
    not have known of the ticket; what they are measured on is how long a customer waits for a
    person once a person is needed. Entering "pending" (waiting on the customer) or handing the
    ticket back to the AI ("bot") stops the clocks; coming back to "open" restarts them."""
    if new == old:
        return
    reaches_people = new in ("open", "pending") and ticket.queued_at is None
    if reaches_people:
        ticket.queued_at = now
    paused_before, paused_now = old in PAUSED_STATUSES, new in PAUSED_STATUSES
    if paused_now and ticket.queued_at is not None and (reaches_people or not paused_before):
        TicketPause.create(company=ticket.company_id, ticket=ticket.id, started_at=now)
    elif paused_before and not paused_now:
        TicketPause.update(ended_at=now).where((TicketPause.ticket == ticket.id) & TicketPause.ended_at.is_null()) \
            .execute()


def _preview(body: str) -> str:
    line = " ".join(body.split())
    return line if len(line) <= PREVIEW_LENGTH else line[: PREVIEW_LENGTH - 1] + "…"


_VISITOR_NAME = re.compile(r"visitor\s+#?(\d{1,18})", re.I)  # Customer.display_name of a customer without a name


def ticket_label(ticket: Ticket) -> str:
    """How messages name a ticket: its number, which people see, and its id, which the API takes."""
    return f"#{ticket.number} (id {ticket.id})"


def _open_ticket_query(customer_id: int):
    statuses = SQL("(" + ", ".join(f"'{status}'" for status in OPEN_STATUSES) + ")")  # constants: in the text
    merged_away = TicketMerge.select(TicketMerge.id).where(TicketMerge.source == Ticket.id)
    return (Ticket.select(Ticket, *ticket_extras())
            .where((Ticket.customer == customer_id) & Ticket.status.in_(statuses) & ~fn.EXISTS(merged_away))
            .order_by(Ticket.id.desc()).limit(SQL("1")))


def _merged_away(company_id: int):
    """The ids of the company's tickets merged into another (their conversation lives on there)."""
    return TicketMerge.select(TicketMerge.source).where(TicketMerge.company == company_id)


def _refuse_if_merged_away(ticket: Ticket, doing: str) -> None:
    """A ticket merged into another is finished: its conversation continues in the other, which
    is where the customer's chat and new messages are."""
    if ticket.status != "closed":  # a merge closes its source: every other reply skips the lookup
        return
    merge = TicketMerge.select(TicketMerge, Ticket).join(Ticket, on=TicketMerge.target).where(
        TicketMerge.source == ticket.id).first()
    if merge is not None:
        raise Conflict(f"ticket {ticket_label(ticket)} was merged into ticket {ticket_label(merge.target)}; "
                       f"{doing} there instead")


class TicketService(Service):
    def __init__(self, *args: Any, notifications: "NotificationService | None" = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.notifications = notifications  # tells a person someone else gave them a ticket
        # every customer message reads its open ticket, every agent reply its ticket: the queries'
        # SQL is written once
        self._open_ticket_query = PreparedSelect(Ticket, _open_ticket_query)
        self._read_ticket = CompanyTicketRead()
        self._message_writes, self._ticket_writes = PreparedWrites(Message), PreparedWrites(Ticket)

    # ---- reading -------------------------------------------------------------------------
    def get(self, company: Company, ticket_id: Any) -> Ticket:
        """The company's ticket with this id; another company's answers NotFound like a missing one."""
        ticket = None
        if is_row_id(ticket_id):
            ticket = (Ticket.select(Ticket, Customer)
                      .join(Customer)
                      .where((Ticket.id == ticket_id) & (Ticket.company == company))
                      .get_or_none())
        if ticket is None:
            raise NotFound(f"no ticket {ticket_id} in your company")
        return ticket

    def messages(self, ticket: Ticket, *, include_private: bool) -> list[Message]:
        """The ticket's messages, each with its author (read by the same query, not one per message)."""
        query = (Message.select(Message, User).join(User, JOIN.LEFT_OUTER, on=Message.author_user)
                 .where(Message.ticket == ticket))
        if not include_private:
            query = query.where(Message.private == False)  # noqa: E712
        # time order: a merge brings older messages into a ticket after newer ones were written
        return list(query.order_by(Message.created_at, Message.id))

    def list(self, company: Company, *, viewer: User, status: Iterable[str] = (), priority: Iterable[str] = (),
             assignee: str | int | None = None, q: str | None = None, tags: Iterable[str] = (),
             include_private: bool = True, customer_id: int | None = None, merged: bool | None = None,
             limit: int = 50, offset: int = 0) -> tuple[list[Ticket], int]:
        """Tickets of the company matching the filters, most recent activity first, and their count.

        ``q`` is full-text search (every word, as a prefix) over subject, customer name and email,
        messages and, with ``include_private``, private notes; ``12`` or ``#12`` also finds ticket 12.
        ``tags``: tickets carrying every one of them. ``merged``: False leaves out the tickets merged
        into another, True lists only those."""
        query = Ticket.select(Ticket, Customer).join(Customer).where(Ticket.company == company)
        status, priority = list(status), list(priority)
        for name, values, allowed in (("status", status, TICKET_STATUSES), ("priority", priority, PRIORITIES)):
            bad = [v for v in values if v not in allowed]
            if bad:
                raise BadRequest.field(name, f"unknown value {bad[0]!r}; use one of: {', '.join(allowed)}")
        if status:
            query = query.where(Ticket.status.in_(status))
        if priority:
            query = query.where(Ticket.priority.in_(priority))
        if assignee == "me":
            query = query.where(Ticket.assignee == viewer)
        elif assignee == "unassigned":
            query = query.where(Ticket.assignee.is_null())
        elif assignee not in (None, ""):
            try:
                assignee_id = int(assignee)
            except (TypeError, ValueError):
                raise BadRequest.field("assignee", "use 'me', 'unassigned' or a user id") from None
            # an id no row can have (too big for SQLite to bind) matches nothing, as an unknown one does
            query = query.where(Ticket.assignee == assignee_id if is_row_id(assignee_id) else SQL("0"))
        if customer_id is not None:
            query = query.where(Ticket.customer == customer_id if is_row_id(customer_id) else SQL("0"))
        if merged is not None:
            merged_away = _merged_away(company.id)
            query = query.where(Ticket.id.in_(merged_away) if merged else Ticket.id.not_in(merged_away))
        for name in [normalize_tag(t, "tag") for t in tags]:
            query = query.where(Ticket.id.in_(
                TicketTag.select(TicketTag.ticket).where((TicketTag.company == company) & (TicketTag.name == name))))
        if q:
            q = clean_text(q, "q", 200, multiline=False)
            number = q.lstrip("#")
            # "#12" names ticket number 12 and nothing else; a bare "12" is also text ("Visitor 12", an order number)
            by_number_only = q.startswith("#") and number.isdecimal()
            matches = None if by_number_only else search.matching_ticket_ids(company, q, include_private=include_private)
            conditions = Ticket.id.in_(matches) if matches is not None else None
            if number.isdecimal() and is_row_id(int(number)):  # a bigger number is no ticket's
                by_number = Ticket.number == int(number)
                conditions = by_number if conditions is None else conditions | by_number
            if visitor := _VISITOR_NAME.fullmatch(q):  # the name the console shows a customer without one
                by_visitor = Ticket.customer == int(visitor[1])
                conditions = by_visitor if conditions is None else conditions | by_visitor
            query = query.where(conditions if conditions is not None else SQL("0"))
        total = query.count()
        # each row with its assignee, for the serializer (after the count, which needs no join)
        query = query.select_extend(User).switch(Ticket).join(User, JOIN.LEFT_OUTER, on=Ticket.assignee)
        items = list(query.order_by(Ticket.last_message_at.desc(), Ticket.id.desc()).limit(limit).offset(offset))
        return items, total

    def current_for(self, customer: Customer) -> Ticket | None:
        """The customer's latest ticket (what the widget shows), if any; a ticket merged into
        another is skipped, its conversation lives on in the other."""
        merged_away = _merged_away(customer.company_id)
        return (Ticket.select().where((Ticket.customer == customer) & Ticket.id.not_in(merged_away))
                .order_by(Ticket.id.desc()).first())

    # ---- the customer writes -------------------------------------------------------------
    def post_customer_message(self, company: Company, customer: Customer, *, text: Any,
                              client_id: Any) -> tuple[Ticket, Message, bool]:
        """Store a customer's message on their open ticket (opening one if needed).

        Idempotent on ``client_id``: resending answers the stored message and ``False``.
        """
        if customer.company_id != company.id:
            raise NotFound("no such visitor in this company")
        client_id = clean_text(client_id, "client_id", 100, multiline=False)
        try:
            body = clean_text(text, "text", self.settings.max_message_length)
        except BadRequest:
            stored = self._stored_message(customer, client_id)  # a resend is answered, whatever its text
            if stored is None:
                raise
            return stored.ticket, stored, False
        now = self.clock()
        # Most messages are new: store first and let the unique (customer, client_id) index catch a
        # resend, whose transaction then changes nothing (not even a ticket it would have opened).
        try:
            with database.atomic():
                ticket = self._open_ticket(customer)
                created = ticket is None
                changes: dict[str, Any] = {}
                if created:
                    status = "bot" if company.setting("ai_enabled") else "open"
                    ticket = self._ticket_writes.create(
                        company=company, number=self._next_number(company), customer=customer,
                        subject=_preview(body)[:120], status=status, channel="widget", created_at=now, updated_at=now,
                        queued_at=now if status == "open" else None,
                        last_message_at=now, waiting_since=now, last_message_preview=_preview(body))
                    ticket.tag_names = []  # what its push serializes: a new ticket has no tags (and no assignee)
                else:
                    ticket.customer = customer  # the row we hold: the pushes that serialize the ticket need no query
                    ticket.waiting_since = ticket.waiting_since or now
                    if ticket.status == "pending":
                        _track_status(ticket, "pending", "open", now)
                        ticket.status = "open"
                        changes["status"] = ["pending", "open"]
                    ticket.last_message_at = ticket.updated_at = now
                    ticket.last_message_preview = _preview(body)
                    self._ticket_writes.save(ticket, ticket.dirty_fields)  # what this message changed, not every column
                message = self._message_writes.create(company=company, ticket=ticket, author_role="customer",
                                                      customer=customer, body=body, client_id=client_id, created_at=now)
        except IntegrityError:
            stored = self._stored_message(customer, client_id)
            if stored is None:  # another constraint failed: not a resend
                raise
            return stored.ticket, stored, False
        if created:
            self.bus.publish(events.TICKET_CREATED, company_id=company.id, ticket=ticket, message=message)
        elif changes:  # a follow-up that only moved the last message and waiting time is the message's own news
            self.bus.publish(events.TICKET_UPDATED, company_id=company.id, ticket=ticket, changes=changes)
        self.bus.publish(events.MESSAGE_CREATED, company_id=company.id, ticket=ticket, message=message,
                         opened_ticket=created)
        return ticket, message, True

    @staticmethod
    def _stored_message(customer: Customer, client_id: str) -> Message | None:
        return Message.get_or_none((Message.customer == customer) & (Message.client_id == client_id))

    def _open_ticket(self, customer: Customer) -> Ticket | None:
        """The customer's latest open ticket, with what the pushes that serialize it read from the
        same query: its tag names (``tag_names``) and its assignee's name (``assignee_person``)."""
        ticket = self._open_ticket_query.first(customer.id)
        return take_extras(ticket) if ticket is not None else None

    def _company_ticket(self, company: Company, ticket_id: Any) -> Ticket:
        """``get`` in one prepared query, with its customer and, for the pushes that serialize it,
        its tag names and its assignee's name (as ``_open_ticket``)."""
        ticket = self._read_ticket(company.id, ticket_id)
        if ticket is None:
            raise NotFound(f"no ticket {ticket_id} in your company")
        return ticket

    @staticmethod
    def _next_number(company: Company) -> int:
        """The company's next ticket number, taken (call inside the transaction that creates the ticket)."""
        return database.execute_sql(_TAKE_NUMBER, (company.id,)).fetchone()[0]

    # ---- the desk answers ----------------------------------------------------------------
    def reply(self, company: Company, agent: User, ticket_id: Any, *, body: Any, private: Any = False) -> Message:
        """An agent's reply to the customer, or a private note only agents see."""
        if not isinstance(private, bool):
            raise BadRequest.field("private", "must be true or false")
        body = clean_text(body, "body", self.settings.max_message_length)
        ticket = self._company_ticket(company, ticket_id)
        if not private:
            _refuse_if_merged_away(ticket, "reply")
        now = self.clock()
        changes: dict[str, Any] = {}
        with database.atomic():
            message = self._message_writes.create(company=company, ticket=ticket, author_role="agent",
                                                  author_user=agent, body=body, private=private, created_at=now)
            if not private:
                ticket.first_response_at = ticket.first_response_at or now
                ticket.waiting_since = None
                ticket.last_message_preview = _preview(body)
                if ticket.status == "bot":  # a person answered: the AI steps back
                    changes["status"] = ["bot", "open"]
                    _track_status(ticket, "bot", "open", now)
                    ticket.status = "open"
                if ticket.assignee_id is None:
                    ticket.assignee = agent
                    changes["assignee_id"] = [None, agent.id]
                    self.audit(company, agent, "ticket.assigned", "ticket", ticket.id, assignee_id=agent.id,
                               reason="first reply")
            ticket.last_message_at = ticket.updated_at = now
            self._ticket_writes.save(ticket, ticket.dirty_fields)
        self.bus.publish(events.MESSAGE_CREATED, company_id=company.id, ticket=ticket, message=message)
        self.bus.publish(events.TICKET_UPDATED, company_id=company.id, ticket=ticket, changes=changes)
        return message

    def update(self, company: Company, actor: User, ticket_id: Any, **fields: Any) -> Ticket:
        """Change a ticket's status, priority or assignee; each change is audited.

        Handing a ticket back to the AI (status "bot") unassigns it: it leaves its person's queue and
        capacity, and if the AI hands it over again routing gives it to whoever is free (a hand
        assignment no longer holds). Its SLA clocks stand still meanwhile (``_track_status``)."""
        ticket = self.get(company, ticket_id)
        changes: dict[str, Any] = {}
        now = self.clock()
        if "status" in fields:
            status = fields["status"]
            if status not in TICKET_STATUSES:
                raise BadRequest.field("status", f"must be one of: {', '.join(TICKET_STATUSES)}")
            if status != ticket.status:
                _refuse_if_merged_away(ticket, "change the status")
                changes["status"] = [ticket.status, status]
                ticket.status = status
                if status in ("resolved", "closed"):
                    if ticket.resolved_at is None:
                        ticket.resolved_by, ticket.resolved_by_user = "agent", actor
                    ticket.resolved_at = ticket.resolved_at or now
                    ticket.waiting_since = None
                else:
                    ticket.resolved_at = ticket.resolved_by = ticket.resolved_by_user = None
        if "priority" in fields:
            priority = fields["priority"]
            if priority not in PRIORITIES:
                raise BadRequest.field("priority", f"must be one of: {', '.join(PRIORITIES)}")
            if priority != ticket.priority:
                changes["priority"] = [ticket.priority, priority]
                ticket.priority = priority
        if "assignee_id" in fields:
            assignee_id = fields["assignee_id"]
            if assignee_id is not None:
                assignee = None
                if is_row_id(assignee_id):
                    assignee = User.get_or_none((User.id == assignee_id) & (User.company == company) & User.active)
                if assignee is None:
                    raise BadRequest.field("assignee_id", "no active user with this id in your company")
            if assignee_id != ticket.assignee_id:
                changes["assignee_id"] = [ticket.assignee_id, assignee_id]
                ticket.assignee = assignee_id
        handed_back = changes.get("status", [None, None])[1] == "bot"
        if handed_back and ticket.assignee_id is not None:
            if fields.get("assignee_id") is not None:
                raise BadRequest.field("assignee_id", "a ticket handed back to the AI (status bot) has no assignee; "
                                                      "leave it open to keep it with a person")
            changes["assignee_id"] = [ticket.assignee_id, None]
            ticket.assignee = None
        if not changes:
            return ticket
        notes = []
        with database.atomic():
            if "status" in changes:
                _track_status(ticket, *changes["status"], now)
            if handed_back:
                unmark_manual(ticket)
            elif "assignee_id" in changes:
                mark_manual(ticket, now)
            ticket.updated_at = now
            ticket.save(only=ticket.dirty_fields)
            self.audit(company, actor, "ticket.updated", "ticket", ticket.id, changes=changes)
            given_to = changes.get("assignee_id", [None, None])[1]
            if given_to is not None and given_to != actor.id and self.notifications is not None:
                notes = self.notifications.record_for(
                    given_to, company.id, kind="assigned", ref=f"ticket:{ticket.id}:{now.isoformat()}", ticket=ticket,
                    title=f"{actor.name} gave you ticket #{ticket.number}", body=ticket.subject or "")
        ticket = self.get(company, ticket.id)
        self.bus.publish(events.TICKET_UPDATED, company_id=company.id, ticket=ticket, changes=changes)
        if notes:
            self.notifications.publish(notes)
        return ticket

    # ---- the AI answers or hands over -------------------------------------------------------
    def post_ai_message(self, company: Company, ticket: Ticket, *, body: str, metadata: dict[str, Any],
                        private: bool = False) -> Message:
        """Store an answer (or, private, a draft for agents) written by the AI. An answer that arrives
        after a person took the conversation over (an agent replied while the model was writing) is
        kept for the agents as a private note instead of reaching the customer."""
        now = self.clock()
        with database.atomic():
            if not private and _stored_status(ticket) != "bot":
                private = True
                metadata = {**metadata, "not_sent": "a person took the conversation over before it was ready"}
            message = Message.create(company=company, ticket=ticket, author_role="ai", body=body, private=private,
                                     metadata=metadata, created_at=now)
            if not private:
                ticket.waiting_since = None
                ticket.last_message_preview = _preview(body)
            ticket.last_message_at = ticket.updated_at = now
            ticket.save(only=ticket.dirty_fields)  # never put back what others changed meanwhile
        self.bus.publish(events.MESSAGE_CREATED, company_id=company.id, ticket=ticket, message=message)
        return message

    def hand_over(self, company: Company, ticket: Ticket, *, reason: str, customer_notice: str,
                  draft: str | None = None, metadata: dict[str, Any] | None = None) -> None:
        """Move an AI-handled ticket to the agents' queue: tell the customer kindly, and leave the
        agents the AI's draft and sources in a private note."""
        now = self.clock()
        with database.atomic():
            previous = _stored_status(ticket)
            if previous != "bot":  # a person has it already: only leave them the AI's note
                note_body = f"The AI would have handed over ({reason}); a person has the conversation already."
                if draft:
                    note_body += f"\n\nAI draft:\n{draft}"
                note = Message.create(company=company, ticket=ticket, author_role="ai", body=note_body,
                                      private=True, metadata={**(metadata or {}), "handoff_reason": reason},
                                      created_at=now)
            else:
                notice = Message.create(company=company, ticket=ticket, author_role="system",
                                        body=customer_notice, created_at=now, metadata={"handoff_reason": reason})
                note_body = f"Handed over by the AI: {reason}."
                if draft:
                    note_body += f"\n\nAI draft:\n{draft}"
                note = Message.create(company=company, ticket=ticket, author_role="ai", body=note_body, private=True,
                                      metadata={**(metadata or {}), "handoff_reason": reason}, created_at=now)
                _track_status(ticket, "bot", "open", now)
                ticket.status = "open"
                ticket.waiting_since = ticket.waiting_since or now
                ticket.last_message_at = ticket.updated_at = now
                ticket.save(only=ticket.dirty_fields)
                self.audit(company, None, "ticket.handed_over", "ticket", ticket.id, reason=reason)
        if previous != "bot":
            self.bus.publish(events.MESSAGE_CREATED, company_id=company.id, ticket=ticket, message=note)
            return
        self.bus.publish(events.MESSAGE_CREATED, company_id=company.id, ticket=ticket, message=notice)
        self.bus.publish(events.MESSAGE_CREATED, company_id=company.id, ticket=ticket, message=note)
        self.bus.publish(events.TICKET_UPDATED, company_id=company.id, ticket=ticket,
                         changes={"status": [previous, "open"]})

    def record_analysis(self, ticket: Ticket, *, entities: dict[str, list[str]], intent: str | None) -> None:
        """Keep what analysis found on the ticket (entities accumulate over the conversation)."""
        merged = dict(ticket.entities or {})
        for kind, values in entities.items():
            merged[kind] = list(dict.fromkeys([*merged.get(kind, []), *values]))[:20]
        ticket.entities = merged
        if intent:
            ticket.intent = intent[:200]
        Ticket.update(entities=merged, intent=ticket.intent).where(Ticket.id == ticket.id).execute()

    def count_by_status(self, company: Company) -> dict[str, int]:
        rows = (Ticket.select(Ticket.status, fn.COUNT(Ticket.id).alias("n"))
                .where(Ticket.company == company).group_by(Ticket.status).tuples())
        return {status: n for status, n in rows}


def _stored_status(ticket: Ticket) -> str | None:
    """The ticket's status as stored now (the object in hand may have been read before a change)."""
    return Ticket.select(Ticket.status).where(Ticket.id == ticket.id).scalar()

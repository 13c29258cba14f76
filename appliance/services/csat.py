"""Customer satisfaction: the rating a customer gives a resolved conversation, once, and the
customer closing an AI-answered conversation as solved (resolved by the AI)."""
from __future__ import annotations

from typing import Any

from .. import events
from ..db import database
from ..domain.models import Company, Customer, Message, Ticket, TicketMerge
from ..errors import BadRequest, Conflict, NotFound
from .base import Service, clean_text, is_row_id

COMMENT_LENGTH = 1000
RATABLE = ("resolved", "closed")


def answered_from_kb(metadata: dict | None) -> bool:
    """Whether an AI message answered from the knowledge base: a greeting, thanks or goodbye (provider
    "rules") answers nothing, so the customer saying it solved their question would count a deflection
    that never happened."""
    metadata = metadata or {}
    return metadata.get("provider") not in (None, "rules") and bool(metadata.get("sources"))


class AlreadyRated(Conflict):
    code = "already_rated"


class CsatService(Service):
    def _own_ticket(self, company: Company, customer: Customer, ticket_id: Any) -> Ticket:
        """The customer's own ticket; anyone else's (or another company's) answers NotFound."""
        if not is_row_id(ticket_id):
            raise BadRequest.field("ticket_id", "must be a positive integer id")
        ticket = Ticket.get_or_none((Ticket.id == ticket_id) & (Ticket.company == company)
                                    & (Ticket.customer == customer))
        if ticket is None:
            raise NotFound(f"no conversation {ticket_id} of yours")
        return ticket

    def rate(self, company: Company, customer: Customer, ticket_id: Any, *, score: Any,
             comment: Any = None) -> Ticket:
        """Store the customer's 1–5 rating (and optional comment) on their resolved ticket, once.

        A ticket merged into another is refused, not rated in the other's place: it was closed only
        because its conversation moved on into the other ticket (the one the widget follows since),
        which the customer rates once that is resolved."""
        ticket = self._own_ticket(company, customer, ticket_id)
        merge = TicketMerge.get_or_none(TicketMerge.source == ticket)
        if merge is not None:
            raise Conflict(f"this conversation was merged into conversation #{merge.target.number}, where it goes "
                           "on; rate that one once it is resolved")
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise BadRequest.field("score", "must be a whole number from 1 to 5")
        if comment is not None:
            comment = clean_text(comment, "comment", COMMENT_LENGTH, required=False) or None
        if ticket.status not in RATABLE:
            raise Conflict("this conversation is not resolved yet; rate it once it is")
        now = self.clock()
        with database.atomic():
            # the condition makes the first rating win even when two arrive at once
            stored = (Ticket.update(csat_score=score, csat_comment=comment, csat_at=now)
                      .where((Ticket.id == ticket.id) & Ticket.csat_score.is_null()).execute())
            if not stored:
                raise AlreadyRated("this conversation has already been rated")
            self.audit(company, None, "ticket.rated", "ticket", ticket.id, score=score)
        ticket = Ticket.get_by_id(ticket.id)
        self.bus.publish(events.TICKET_RATED, company_id=company.id, ticket=ticket)
        self.bus.publish(events.TICKET_UPDATED, company_id=company.id, ticket=ticket,
                         changes={"csat_score": [None, score]})
        return ticket

    def resolve_by_ai(self, company: Company, customer: Customer, ticket_id: Any) -> Ticket:
        """The customer says the AI's answer solved it: the ticket is resolved, by the AI.

        Only when the AI has it and the conversation's latest message (that the customer sees) is the
        AI's answer from the help articles, as the widget offers it: an AI answer further back, before
        the customer wrote again, a person replied or the AI handed over, solved nothing the
        customer is still asking, and counting it would credit the AI with the people's work."""
        ticket = self._own_ticket(company, customer, ticket_id)
        if ticket.status != "bot":
            raise Conflict("only a conversation the AI is answering can be closed as solved by the AI")
        latest = (Message.select(Message.author_role, Message.metadata)
                  .where((Message.ticket == ticket) & (Message.private == False))  # noqa: E712
                  .order_by(Message.created_at.desc(), Message.id.desc()).first())
        if latest is None or latest.author_role != "ai" or not answered_from_kb(latest.metadata):
            raise Conflict("the AI has not answered the latest question of this conversation from the help "
                           "articles; ask it again, or wait for the answer")
        now = self.clock()
        with database.atomic():
            changed = (Ticket.update(status="resolved", resolved_at=now, resolved_by="ai", resolved_by_user=None,
                                     waiting_since=None, updated_at=now)
                       .where((Ticket.id == ticket.id) & (Ticket.status == "bot")).execute())
            if not changed:
                raise Conflict("this conversation has changed; reload it")
            self.audit(company, None, "ticket.resolved_by_ai", "ticket", ticket.id, by="customer")
        ticket = Ticket.get_by_id(ticket.id)
        self.bus.publish(events.TICKET_UPDATED, company_id=company.id, ticket=ticket,
                         changes={"status": ["bot", "resolved"], "resolved_by": "ai"})
        return ticket

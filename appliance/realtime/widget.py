"""The `/widget` namespace: customers chatting from the shop's website or Wi-Fi."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import request
from flask_socketio import Namespace, emit, join_room

from .. import serializers
from ..db import PreparedSelect, database
from ..domain.models import Company, Customer
from ..errors import HearthError, Unauthorized
from ..services import Services
from ..ratelimit import ConnectionGate, RateLimiter
from .handlers import bool_field, client_address, correlated, event_handler, payload, refuse_when_over
from .rooms import agents_room, visitor_room

logger = logging.getLogger(__name__)


@dataclass
class _Visit:
    company_id: int
    customer_id: int


class WidgetNamespace(Namespace):
    def __init__(self, namespace: str, services: Services, limiter: RateLimiter, gate: ConnectionGate):
        super().__init__(namespace)
        self.services = services
        self.limiter = limiter
        self.gate = gate
        self.visits: dict[str, _Visit] = {}
        # Every event of a visit needs its company: read once, forgotten when the company changes
        # (realtime.init_app wires forget_company to COMPANY_UPDATED). Widget events only read it.
        self._companies: dict[int, Company] = {}
        # ...and its customer, read afresh on every event (a name or email may change) by a query
        # whose SQL is written once
        self._customer_query = PreparedSelect(Customer, lambda customer_id: Customer.select().where(
            Customer.id == customer_id))

    def forget_company(self, company_id: int) -> None:
        self._companies.pop(company_id, None)

    def rate_keys(self, event: str) -> list[tuple[str, object]]:
        """The tiers an event of this connection counts against. Typing indicators have a visitor
        budget of their own: a quick typist's indicators never refuse their message or rating."""
        keys: list[tuple[str, object]] = [("socket_ip", client_address())]
        visit = self.visits.get(request.sid)
        if visit is not None:
            keys += [("visitor_typing" if event == "typing" else "visitor", visit.customer_id),
                     ("company", f"company-{visit.company_id}")]
        return keys

    @correlated
    def on_connect(self, auth=None):
        try:
            refuse_when_over(self.limiter, "connect_ip", client_address())
            slug = auth.get("company") if isinstance(auth, dict) else None
            try:
                company = self.services.companies.by_slug(slug)
            except HearthError:
                raise ConnectionRefusedError("unknown company: connect with auth {company: '<slug>'}") from None
            self.gate.admit(self.namespace, request.sid)  # before anything is stored for the visit
            try:
                self._start_visit(company, auth.get("token"))
            except BaseException:
                self.gate.release(self.namespace, request.sid)
                raise
        finally:
            database.close()

    def _start_visit(self, company: Company, token) -> None:
        customer, token = self.services.customers.start_visit(company, token)
        self.visits[request.sid] = _Visit(company.id, customer.id)
        join_room(visitor_room(customer.id))
        emit("session", {
            "visitor_token": token,
            "customer": {"id": customer.id, "name": customer.name},
            **self._conversation(customer),
            "company": serializers.public_company(company),
        })

    def _conversation(self, customer: Customer) -> dict:
        """The customer's current conversation (only ever their own ticket), as `session` and `history` carry it."""
        ticket = self.services.tickets.current_for(customer)
        messages = self.services.tickets.messages(ticket, include_private=False) if ticket else []
        return serializers.public_conversation(ticket, messages)

    def on_disconnect(self, reason=None):
        self.gate.release(self.namespace, request.sid)
        self.visits.pop(request.sid, None)

    def _visitor(self) -> tuple[Company, Customer]:
        visit = self.visits.get(request.sid)
        if visit is None:
            raise Unauthorized("this connection is not logged in; reconnect")
        company = self._companies.get(visit.company_id)
        if company is None:
            company = self._companies[visit.company_id] = self.services.companies.get(visit.company_id)
        customer = self._customer_query.first(visit.customer_id)
        if customer is None:
            customer = Customer.get_by_id(visit.customer_id)  # gone: raises DoesNotExist, as it always did
        return company, customer

    @event_handler
    def on_customer_message(self, data=None):
        data = payload(data, "text", "client_id")
        company, customer = self._visitor()
        ticket, message, _ = self.services.tickets.post_customer_message(
            company, customer, text=data["text"], client_id=data["client_id"])
        return {"ticket_id": ticket.id, "message_id": message.id}

    @event_handler
    def on_history(self, data=None):
        """The current conversation again, as `session` brings it: after a merge of the ticket it shows, the
        widget asks for the conversation that goes on, merged-in messages included, without a reload."""
        payload(data)
        _, customer = self._visitor()
        return self._conversation(customer)

    @event_handler
    def on_typing(self, data=None):
        typing = bool_field(payload(data, "typing"), "typing")
        company, customer = self._visitor()
        ticket = self.services.tickets.current_for(customer)
        if ticket is not None and ticket.status in ("open", "pending"):
            emit("typing", {"ticket_id": ticket.id, "author_role": "customer", "user": None, "typing": typing},
                 to=agents_room(company.id), namespace="/agent")

    @event_handler
    def on_identify(self, data=None):
        data = payload(data)
        _, customer = self._visitor()
        self.services.customers.identify(customer, name=data.get("name"), email=data.get("email"))

    @event_handler
    def on_rate(self, data=None):
        data = payload(data, "ticket_id", "score")
        company, customer = self._visitor()
        ticket = self.services.csat.rate(company, customer, data["ticket_id"], score=data["score"],
                                         comment=data.get("comment"))
        return {"ticket_id": ticket.id, "score": ticket.csat_score}

    @event_handler
    def on_ai_solved(self, data=None):
        data = payload(data, "ticket_id")
        company, customer = self._visitor()
        ticket = self.services.csat.resolve_by_ai(company, customer, data["ticket_id"])
        return {"ticket_id": ticket.id, "status": ticket.status}

"""The `/agent` namespace: the live console of a company's agents."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import request, session
from flask_socketio import Namespace, emit, join_room
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from ..db import database
from ..errors import Unauthorized
from ..services import Services
from ..ratelimit import ConnectionGate, RateLimiter
from .handlers import bool_field, client_address, correlated, event_handler, int_field, payload, refuse_when_over
from .presence import Presence
from .rooms import admins_room, agents_room, visitor_room

logger = logging.getLogger(__name__)


class AgentNamespace(Namespace):
    def __init__(self, namespace: str, services: Services, presence: Presence, limiter: RateLimiter,
                 gate: ConnectionGate):
        super().__init__(namespace)
        self.services = services
        self.presence = presence
        self.limiter = limiter
        self.gate = gate

    def rate_keys(self, event: str) -> list[tuple[str, object]]:
        """The tiers an event of this connection counts against (the same for every event)."""
        keys: list[tuple[str, object]] = [("socket_ip", client_address())]
        conn = self.presence.get(request.sid)
        if conn is not None:
            keys.append(("company", f"company-{conn.company_id}"))
        return keys

    @correlated
    def on_connect(self, auth=None):
        try:
            if not self.services.lan.console_allowed(request.remote_addr):
                raise ConnectionRefusedError("the agent console only opens on this machine and the agents' PCs "
                                             "an admin has listed")
            refuse_when_over(self.limiter, "connect_ip", client_address())
            origin = request.headers.get("Origin")
            if origin and urlsplit(origin).netloc != request.host:
                logger.warning("/agent connection from foreign origin %s refused", origin)
                raise ConnectionRefusedError("the console connects only from its own origin")
            user = self.services.users.active_session_user(session.get("user_id"), session.get("company_id"),
                                                           session.get("epoch"))
            if user is None:
                raise ConnectionRefusedError("log in first")
            token = auth.get("csrf_token") if isinstance(auth, dict) else None
            try:
                validate_csrf(token)
            except ValidationError:
                raise ConnectionRefusedError("send the csrf_token from login in the connection's auth") from None
            self.gate.admit(self.namespace, request.sid)
            self.presence.connect(request.sid, user.company_id, user.id, user.name)
            join_room(agents_room(user.company_id))
            if user.role == "admin":
                join_room(admins_room(user.company_id))
            self._broadcast_presence(user.company_id)
            try:  # waiting tickets may now have an agent; a routing failure must not refuse the agent
                self.services.routing.assign_waiting(user.company_id)
            except Exception:
                logger.exception("routing waiting tickets of company %s failed", user.company_id)
        finally:
            database.close()

    def on_disconnect(self, reason=None):
        self.gate.release(self.namespace, request.sid)
        conn = self.presence.disconnect(request.sid)
        if conn is not None:
            self._broadcast_presence(conn.company_id)
            if conn.ticket_id is not None:
                self._broadcast_viewers(conn.company_id, conn.ticket_id)

    def _company(self):
        conn = self.presence.get(request.sid)
        if conn is None:  # cannot happen for a connected agent; refuse rather than guess
            raise Unauthorized("this connection is not logged in; reconnect")
        return conn, self.services.companies.get(conn.company_id)

    def _broadcast_presence(self, company_id: int) -> None:
        emit("presence", {"online": self.presence.online(company_id)}, to=agents_room(company_id))

    def _broadcast_viewers(self, company_id: int, ticket_id: int) -> None:
        emit("viewers", {"ticket_id": ticket_id, "agents": self.presence.viewers(company_id, ticket_id)},
             to=agents_room(company_id))

    @event_handler
    def on_view_ticket(self, data=None):
        ticket_id = int_field(payload(data, "ticket_id"), "ticket_id")
        conn, company = self._company()
        self.services.tickets.get(company, ticket_id)  # 404 for another company's ticket
        previous = self.presence.view(request.sid, ticket_id)
        if previous is not None and previous != ticket_id:
            self._broadcast_viewers(conn.company_id, previous)
        self._broadcast_viewers(conn.company_id, ticket_id)

    @event_handler
    def on_leave_ticket(self, data=None):
        ticket_id = int_field(payload(data, "ticket_id"), "ticket_id")
        conn, company = self._company()
        self.services.tickets.get(company, ticket_id)  # 404 for another company's ticket
        if conn.ticket_id == ticket_id:
            self.presence.view(request.sid, None)
            self._broadcast_viewers(conn.company_id, ticket_id)

    @event_handler
    def on_typing(self, data=None):
        data = payload(data, "ticket_id", "typing")
        ticket_id, typing = int_field(data, "ticket_id"), bool_field(data, "typing")
        conn, company = self._company()
        ticket = self.services.tickets.get(company, ticket_id)
        person = {"id": conn.user_id, "name": conn.name}
        emit("typing", {"ticket_id": ticket.id, "author_role": "agent", "user": person, "typing": typing},
             to=agents_room(conn.company_id), skip_sid=request.sid)
        emit("typing", {"author_role": "agent", "name": conn.name, "typing": typing},
             to=visitor_room(ticket.customer_id), namespace="/widget")

"""HTTP API for tickets: the inbox, a conversation, replies, notes, assignment and status."""
from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from .. import serializers
from ..services.sla import summary as sla_summary
from .auth import login_required, services
from .schemas import MessageIn, MessageOut, TicketDetailOut, TicketListOut, TicketOut, TicketPatch, TicketQuery

blp = Blueprint("tickets", __name__, url_prefix="/api/v1/tickets", description="Tickets and their messages")


@blp.route("", methods=["GET"])
@blp.arguments(TicketQuery, location="query")
@blp.response(200, TicketListOut)
@login_required
def list_tickets(args):
    """List the company's tickets, most recent activity first, with filters."""
    hearth = services()
    items, total = hearth.tickets.list(
        g.company, viewer=g.user, status=args.get("status", ()), priority=args.get("priority", ()),
        assignee=args.get("assignee"), q=args.get("q"), limit=args["limit"], offset=args["offset"])
    return {"items": [{**serializers.ticket(t), "sla": serializers.sla_summary(sla_summary(hearth.sla.targets(t)))}
                      for t in items], "total": total}


@blp.route("/<int:ticket_id>", methods=["GET"])
@blp.response(200, TicketDetailOut)
@login_required
def get_ticket(ticket_id):
    """A ticket with its whole conversation, private notes included."""
    hearth = services()
    ticket = hearth.tickets.get(g.company, ticket_id)
    messages = hearth.tickets.messages(ticket, include_private=True)
    sla = {"targets": [serializers.sla_target(t) for t in hearth.sla.targets(ticket)],
           "breaches": [serializers.sla_event(e) for e in ticket.sla_events if e.kind == "breach"]}
    return {**serializers.ticket(ticket), "messages": [serializers.message(m) for m in messages], "sla": sla}


@blp.route("/<int:ticket_id>", methods=["PATCH"])
@blp.arguments(TicketPatch)
@blp.response(200, TicketOut)
@login_required
def update_ticket(changes, ticket_id):
    """Change status, priority or assignee (assignee_id null unassigns)."""
    return serializers.ticket(services().tickets.update(g.company, g.user, ticket_id, **changes))


@blp.route("/<int:ticket_id>/messages", methods=["POST"])
@blp.arguments(MessageIn)
@blp.response(201, MessageOut)
@login_required
def post_message(payload, ticket_id):
    """Reply to the customer, or add a private note (private: true) only agents see."""
    message = services().tickets.reply(g.company, g.user, ticket_id, body=payload["body"],
                                       private=payload["private"])
    return serializers.message(message)

"""HTTP API for tickets: the inbox, a conversation, replies, notes, assignment and status."""
from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from .. import serializers
from ..services.sla import summary as sla_summary
from .auth import login_required, services
from .schemas import (MergeIn, MergeOut, MessageIn, MessageOut, TagIn, TicketDetailOut, TicketListOut, TicketOut,
                      TicketPatch, TicketQuery)

blp = Blueprint("tickets", __name__, url_prefix="/api/v1/tickets", description="Tickets and their messages")


@blp.route("", methods=["GET"])
@blp.arguments(TicketQuery(), location="query")
@blp.response(200, TicketListOut)
@login_required
def list_tickets(args):
    """List the company's tickets, most recent activity first, with filters."""
    hearth = services()
    items, total = hearth.tickets.list(
        g.company, viewer=g.user, status=args.get("status", ()), priority=args.get("priority", ()),
        assignee=args.get("assignee"), q=args.get("q"), tags=args.get("tag", ()), include_private=True, customer_id=args.get("customer"),
        merged=args.get("merged"), limit=args["limit"], offset=args["offset"])
    hearth.tags.attach(items)
    targets = hearth.sla.targets_of(items)
    return {"items": [{**serializers.ticket(t), "sla": serializers.sla_summary(sla_summary(targets[t.id]))}
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
    merge = hearth.merges.merged_into(ticket)
    merged_into = {"id": merge.target_id, "number": merge.target.number} if merge else None
    merged_from = [{"id": m.source_id, "number": m.source.number} for m in ticket.merged_from]
    return {**serializers.ticket(ticket), "messages": [serializers.message(m) for m in messages], "sla": sla,
            "merged_into": merged_into, "merged_from": merged_from}


@blp.route("/<int:ticket_id>", methods=["PATCH"])
@blp.arguments(TicketPatch())
@blp.response(200, TicketOut)
@login_required
def update_ticket(changes, ticket_id):
    """Change status, priority or assignee (assignee_id null unassigns)."""
    return serializers.ticket(services().tickets.update(g.company, g.user, ticket_id, **changes))


@blp.route("/<int:ticket_id>/messages", methods=["POST"])
@blp.arguments(MessageIn())
@blp.response(201, MessageOut)
@login_required
def post_message(payload, ticket_id):
    """Reply to the customer, or add a private note (private: true) only agents see."""
    message = services().tickets.reply(g.company, g.user, ticket_id, body=payload["body"],
                                       private=payload["private"])
    return serializers.message(message)


@blp.route("/<int:ticket_id>/tags", methods=["POST"])
@blp.arguments(TagIn())
@blp.response(200, TicketOut)
@login_required
def add_tag(payload, ticket_id):
    """Put a tag on the ticket (normalised: lower case, spaces as '-')."""
    return serializers.ticket(services().tags.add(g.company, g.user, ticket_id, payload["tag"]))


@blp.route("/<int:ticket_id>/tags/<path:tag>", methods=["DELETE"])
@blp.response(200, TicketOut)
@login_required
def remove_tag(ticket_id, tag):
    """Take a tag off the ticket."""
    return serializers.ticket(services().tags.remove(g.company, g.user, ticket_id, tag))


@blp.route("/<int:ticket_id>/merge", methods=["POST"])
@blp.arguments(MergeIn())
@blp.response(200, MergeOut)
@login_required
def merge_ticket(payload, ticket_id):
    """Merge this ticket into target_id (same customer): its messages move there and it is closed."""
    source, target = services().merges.merge(g.company, g.user, ticket_id, payload["target_id"])
    return {"source": serializers.ticket(source), "target": serializers.ticket(target)}

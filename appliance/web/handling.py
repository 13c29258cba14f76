"""HTTP API for handling tickets faster: canned replies and the company's tag vocabulary."""
from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from .. import serializers
from ..services.canned_replies import PLACEHOLDERS
from .auth import login_required, services
from .schemas import (CannedReplyIn, CannedReplyListOut, CannedReplyOut, CannedReplyPatch, CannedReplyQuery,
                      RenderedOut, RenderQuery, TagListOut)

blp = Blueprint("handling", __name__, url_prefix="/api/v1", description="Canned replies and tags")


@blp.route("/canned-replies", methods=["GET"])
@blp.arguments(CannedReplyQuery(), location="query")
@blp.response(200, CannedReplyListOut)
@login_required
def list_canned_replies(args):
    """The company's shared canned replies and the user's personal ones, by shortcut."""
    items = services().canned.visible(g.company, g.user, q=args.get("q"))
    return {"items": [serializers.canned_reply(r, g.user) for r in items], "placeholders": list(PLACEHOLDERS)}


@blp.route("/canned-replies", methods=["POST"])
@blp.arguments(CannedReplyIn())
@blp.response(201, CannedReplyOut)
@login_required
def create_canned_reply(payload):
    """Add a canned reply: personal, or shared with the whole company (admins only)."""
    return serializers.canned_reply(services().canned.create(g.company, g.user, **payload), g.user)


@blp.route("/canned-replies/<int:reply_id>", methods=["GET"])
@blp.response(200, CannedReplyOut)
@login_required
def get_canned_reply(reply_id):
    """One canned reply (someone else's personal reply answers 404)."""
    return serializers.canned_reply(services().canned.get(g.company, g.user, reply_id), g.user)


@blp.route("/canned-replies/<int:reply_id>", methods=["PATCH"])
@blp.arguments(CannedReplyPatch())
@blp.response(200, CannedReplyOut)
@login_required
def update_canned_reply(payload, reply_id):
    """Change a canned reply; shared ones only by admins."""
    return serializers.canned_reply(services().canned.update(g.company, g.user, reply_id, **payload), g.user)


@blp.route("/canned-replies/<int:reply_id>", methods=["DELETE"])
@blp.response(204)
@login_required
def delete_canned_reply(reply_id):
    """Delete a canned reply; shared ones only by admins."""
    services().canned.delete(g.company, g.user, reply_id)


@blp.route("/canned-replies/<int:reply_id>/render", methods=["GET"])
@blp.arguments(RenderQuery(), location="query")
@blp.response(200, RenderedOut)
@login_required
def render_canned_reply(args, reply_id):
    """The reply's text for a ticket and the logged-in agent, placeholders filled in."""
    hearth = services()
    ticket = hearth.tickets.get(g.company, args["ticket_id"])
    reply, rendered = hearth.canned.render_for(g.company, g.user, reply_id, ticket)
    return {"id": reply.id, "title": reply.title, "shortcut": reply.shortcut, "body": rendered.body,
            "fallbacks": rendered.fallbacks}


@blp.route("/tags", methods=["GET"])
@blp.response(200, TagListOut)
@login_required
def list_tags():
    """Every tag in use on the company's tickets, most used first."""
    return {"items": [{"name": name, "count": n} for name, n in services().tags.vocabulary(g.company)]}

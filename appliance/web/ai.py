"""HTTP API for the AI: agent assist, the state of the models, the answer cache."""
from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from .auth import login_required, services
from .schemas import AIStatusOut, SuggestionOut

blp = Blueprint("ai", __name__, url_prefix="/api/v1", description="The AI assistant")


@blp.route("/tickets/<int:ticket_id>/suggest", methods=["POST"])
@blp.response(200, SuggestionOut)
@login_required
def suggest_reply(ticket_id):
    """Draft a reply for the ticket's latest customer message from the knowledge base."""
    hearth = services()
    ticket = hearth.tickets.get(g.company, ticket_id)
    result, decision = hearth.responder.suggest(g.company, ticket)
    return {"body": result.text, "provider": result.provider, "model": result.model,
            "confidence": decision.confidence, "would_answer": decision.answer, "sources": decision.sources,
            "cloud_sent": result.cloud_sent}


@blp.route("/ai/status", methods=["GET"])
@blp.response(200, AIStatusOut)
@login_required
def ai_status():
    """Which models can answer now, whether the cloud may be used, and the answer cache's hit rate."""
    hearth = services()
    chains = hearth.responder.chains
    statuses = chains.statuses(g.company)
    return {"providers": [s.__dict__ for s in statuses], "offline_only": chains.network.offline_only,
            "cloud_allowed": chains.cloud_allowed(g.company), "cache": hearth.responder.cache.stats(g.company.id),
            "embedder": hearth.settings.embedder}

"""HTTP API for automatic assignment: teams, each agent's capacity, routing rules, and the
notifications a person receives."""
from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from .. import serializers
from .auth import admin_required, login_required, services
from .schemas import (CapacityIn, NotificationListOut, NotificationReadIn, RoutingAgentListOut, RoutingAgentOut,
                      RoutingRuleIn, RoutingRuleListOut, RoutingRuleOut, RuleOrderIn, TeamIn, TeamListOut, TeamOut,
                      TeamPatch)

blp = Blueprint("routing", __name__, url_prefix="/api/v1", description="Teams, capacity and routing rules")


def _team(team):
    return serializers.team(team, services().teams.member_ids(team))


def _agent(row):
    user = row["user"]
    return {"id": user.id, "name": user.name, "role": user.role, **{k: v for k, v in row.items() if k != "user"}}


@blp.route("/teams", methods=["GET"])
@blp.response(200, TeamListOut)
@login_required
def list_teams():
    """The company's teams and their members."""
    return {"items": [_team(t) for t in services().teams.list(g.company)]}


@blp.route("/teams", methods=["POST"])
@blp.arguments(TeamIn())
@blp.response(201, TeamOut)
@admin_required
def create_team(payload):
    """Create a team of agents (admins only)."""
    return _team(services().teams.create(g.company, g.user, **payload))


@blp.route("/teams/<int:team_id>", methods=["PATCH"])
@blp.arguments(TeamPatch())
@blp.response(200, TeamOut)
@admin_required
def update_team(payload, team_id):
    """Rename a team or replace its members (admins only)."""
    return _team(services().teams.update(g.company, g.user, team_id, **payload))


@blp.route("/teams/<int:team_id>", methods=["DELETE"])
@blp.response(204)
@admin_required
def delete_team(team_id):
    """Delete a team no routing rule uses (admins only)."""
    services().teams.delete(g.company, g.user, team_id)


@blp.route("/routing/agents", methods=["GET"])
@blp.response(200, RoutingAgentListOut)
@login_required
def list_agents():
    """Each person's capacity, open tickets and presence."""
    hearth = services()
    return {"default_capacity": hearth.settings.agent_capacity,
            "items": [_agent(row) for row in hearth.routing.agents(g.company)]}


@blp.route("/routing/agents/<int:user_id>", methods=["PUT"])
@blp.arguments(CapacityIn())
@blp.response(200, RoutingAgentOut)
@admin_required
def set_capacity(payload, user_id):
    """Set a person's capacity: open tickets at once (0: never auto-assign; null: the default)."""
    hearth = services()
    user = hearth.teams.set_capacity(g.company, g.user, user_id, payload["capacity"])
    hearth.routing.assign_waiting(g.company.id)  # more room may take waiting tickets
    return _agent(next(row for row in hearth.routing.agents(g.company) if row["user"].id == user.id))


@blp.route("/routing/rules", methods=["GET"])
@blp.response(200, RoutingRuleListOut)
@login_required
def list_rules():
    """The routing rules in the order they are tried (first match wins)."""
    return {"items": [serializers.routing_rule(r) for r in services().routing.rules(g.company)]}


@blp.route("/routing/rules", methods=["POST"])
@blp.arguments(RoutingRuleIn())
@blp.response(201, RoutingRuleOut)
@admin_required
def create_rule(payload):
    """Add a rule at the end: tickets matching kind/value go to the team (admins only)."""
    return serializers.routing_rule(services().routing.add_rule(g.company, g.user, **payload))


@blp.route("/routing/rules/<int:rule_id>", methods=["DELETE"])
@blp.response(204)
@admin_required
def delete_rule(rule_id):
    """Delete a rule (admins only)."""
    services().routing.delete_rule(g.company, g.user, rule_id)


@blp.route("/routing/rules/order", methods=["PUT"])
@blp.arguments(RuleOrderIn())
@blp.response(200, RoutingRuleListOut)
@admin_required
def reorder_rules(payload):
    """Put the rules in this order; list every rule id once (admins only)."""
    return {"items": [serializers.routing_rule(r) for r in services().routing.reorder(g.company, g.user,
                                                                                      payload["rule_ids"])]}


@blp.route("/notifications", methods=["GET"])
@blp.response(200, NotificationListOut)
@login_required
def list_notifications():
    """Your notifications, newest first, and how many are unread."""
    items = services().notifications.list_for(g.company, g.user)
    return {"items": [serializers.notification(n) for n in items],
            "unread": sum(1 for n in items if n.read_at is None)}


@blp.route("/notifications/read", methods=["POST"])
@blp.arguments(NotificationReadIn())
@blp.response(204)
@login_required
def read_notifications(payload):
    """Mark your notifications read: those listed in `ids`, or all of them."""
    services().notifications.mark_read(g.company, g.user, payload.get("ids"))

"""HTTP API for running a company: its users, its settings and its audit trail."""
from __future__ import annotations

from flask import g, session
from flask_smorest import Blueprint

from .. import serializers
from .auth import admin_required, login_required, services
from .schemas import (AuditListOut, CompanyOut, CompanyPatch, PageQuery, SlaPolicyIn, SlaPolicyOut, UserIn, UserListOut,
                      UserOut, UserPatch)

blp = Blueprint("admin", __name__, url_prefix="/api/v1", description="Users, company settings and audit trail")


@blp.route("/users", methods=["GET"])
@blp.response(200, UserListOut)
@login_required
def list_users():
    """The company's agents and admins."""
    return {"items": [serializers.user(u) for u in services().users.list(g.company)]}


@blp.route("/users", methods=["POST"])
@blp.arguments(UserIn())
@blp.response(201, UserOut)
@admin_required
def create_user(payload):
    """Add an agent or admin (admins only)."""
    return serializers.user(services().users.create(g.company, g.user, **payload))


@blp.route("/users/<int:user_id>", methods=["PATCH"])
@blp.arguments(UserPatch())
@blp.response(200, UserOut)
@admin_required
def update_user(payload, user_id):
    """Rename, change role, (de)activate or set a new password (admins only). A new password ends
    every session of that account, except the one of an admin setting their own."""
    user = services().users.update(g.company, g.user, user_id, **payload)
    if user.id == g.user.id:
        session["epoch"] = user.session_epoch
    return serializers.user(user)


@blp.route("/users/<int:user_id>/unlock", methods=["POST"])
@blp.response(200, UserOut)
@admin_required
def unlock_user(user_id):
    """Let an account locked by failed logins log in again at once (admins only)."""
    return serializers.user(services().users.unlock(g.company, g.user, user_id))


@blp.route("/company", methods=["GET"])
@blp.response(200, CompanyOut)
@login_required
def get_company():
    """The company and its settings."""
    return serializers.company(g.company)


@blp.route("/company", methods=["PATCH"])
@blp.arguments(CompanyPatch())
@blp.response(200, CompanyOut)
@admin_required
def update_company(payload):
    """Change the company's name and settings (admins only)."""
    company = services().companies.update(g.company, g.user, name=payload.get("name"),
                                          settings=payload.get("settings"))
    return serializers.company(company)


@blp.route("/audit", methods=["GET"])
@blp.arguments(PageQuery(), location="query")
@blp.response(200, AuditListOut)
@admin_required
def list_audit(args):
    """Who changed what, newest first (admins only)."""
    items, total = services().companies.audit_trail(g.company, limit=args["limit"], offset=args["offset"])
    return {"items": [serializers.audit_entry(e) for e in items], "total": total}


@blp.route("/sla-policy", methods=["GET"])
@blp.response(200, SlaPolicyOut)
@login_required
def get_sla_policy():
    """The company's SLA policy (empty targets when none is set)."""
    row = services().sla.policy_row(g.company)
    if row is None:
        return {"targets": {}, "hours": {}, "warn_share": 0.8, "actions": {}}
    return {"targets": row.targets, "hours": row.hours, "warn_share": row.warn_share, "actions": row.actions}


@blp.route("/sla-policy", methods=["PUT"])
@blp.arguments(SlaPolicyIn())
@blp.response(200, SlaPolicyOut)
@admin_required
def put_sla_policy(payload):
    """Set the SLA policy: targets per priority in minutes, business hours, warning share, breach actions."""
    row = services().sla.set_policy(g.company, g.user, **payload)
    return {"targets": row.targets, "hours": row.hours, "warn_share": row.warn_share, "actions": row.actions}

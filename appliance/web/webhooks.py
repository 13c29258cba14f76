"""HTTP API for outgoing webhooks: endpoints and their deliveries (admins only)."""
from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from .. import serializers
from ..services.webhooks import WEBHOOK_EVENTS
from .auth import admin_required, services
from .schemas import DeliveryListOut, DeliveryOut, DeliveryQuery, WebhookIn, WebhookListOut, WebhookOut, WebhookPatch

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1", description="Outgoing webhooks and their deliveries")


def _offline_only() -> bool:
    return services().installation.network.offline_only


def _webhook(endpoint, *, with_secret: bool = False) -> dict:
    return serializers.webhook(endpoint, with_secret=with_secret, offline_only=_offline_only())


@blp.route("/webhooks", methods=["GET"])
@blp.response(200, WebhookListOut)
@admin_required
def list_webhooks():
    """The company's webhooks (without their secrets), the events they may subscribe to, and whether
    offline-only mode is on (then only addresses on this machine or the LAN receive anything)."""
    return {"items": [_webhook(e) for e in services().webhooks.endpoints(g.company)],
            "events": list(WEBHOOK_EVENTS), "offline_only": _offline_only()}


@blp.route("/webhooks", methods=["POST"])
@blp.arguments(WebhookIn())
@blp.response(201, WebhookOut)
@admin_required
def create_webhook(payload):
    """Add a webhook; the answer carries its signing secret, shown this once."""
    endpoint = services().webhooks.create_endpoint(g.company, g.user, url=payload["url"], events_=payload["events"])
    return _webhook(endpoint, with_secret=True)


@blp.route("/webhooks/<int:endpoint_id>", methods=["PATCH"])
@blp.arguments(WebhookPatch())
@blp.response(200, WebhookOut)
@admin_required
def update_webhook(payload, endpoint_id):
    """Change a webhook's URL, events or whether it is active."""
    endpoint = services().webhooks.update_endpoint(g.company, g.user, endpoint_id, url=payload.get("url"),
                                                   events_=payload.get("events"), active=payload.get("active"))
    return _webhook(endpoint)


@blp.route("/webhooks/<int:endpoint_id>", methods=["DELETE"])
@blp.response(204)
@admin_required
def delete_webhook(endpoint_id):
    """Delete a webhook and its deliveries."""
    services().webhooks.delete_endpoint(g.company, g.user, endpoint_id)


@blp.route("/webhooks/<int:endpoint_id>/test", methods=["POST"])
@blp.response(202, DeliveryOut)
@admin_required
def test_webhook(endpoint_id):
    """Send a `webhook.test` event to this webhook now (in the background)."""
    delivery = services().webhooks.send_test(g.company, endpoint_id)
    return serializers.webhook_delivery(services().webhooks.delivery(g.company, delivery.id))


@blp.route("/webhooks/deliveries", methods=["GET"])
@blp.arguments(DeliveryQuery(), location="query")
@blp.response(200, DeliveryListOut)
@admin_required
def list_deliveries(args):
    """Deliveries, newest first, optionally of one webhook."""
    items, total = services().webhooks.deliveries(g.company, endpoint_id=args.get("endpoint_id"),
                                                  limit=args["limit"], offset=args["offset"])
    return {"items": [serializers.webhook_delivery(d) for d in items], "total": total}


@blp.route("/webhooks/deliveries/<int:delivery_id>/retry", methods=["POST"])
@blp.response(202, DeliveryOut)
@admin_required
def retry_delivery(delivery_id):
    """Send a pending or failed delivery again now."""
    delivery = services().webhooks.retry_now(g.company, delivery_id)
    return serializers.webhook_delivery(services().webhooks.delivery(g.company, delivery.id))

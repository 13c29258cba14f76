"""Real time: Socket.IO namespaces for agents and visitors, and the listener that turns domain
events into pushes to the right rooms (never a private note to a customer)."""
from __future__ import annotations

from flask_socketio import SocketIO

from .. import events, serializers
from ..ratelimit import ConnectionGate, RateLimiter
from ..services import Services
from .agent import AgentNamespace
from .presence import Presence
from .rooms import admins_room, agents_room, visitor_room
from .widget import WidgetNamespace


def init_app(socketio: SocketIO, services: Services, presence: Presence, limiter: RateLimiter,
             gate: ConnectionGate) -> None:
    socketio.on_namespace(AgentNamespace("/agent", services, presence, limiter, gate))
    widget = WidgetNamespace("/widget", services, limiter, gate)
    socketio.on_namespace(widget)
    if services.metrics is not None:
        services.metrics.watch_sockets(lambda: {"/agent": presence.count(), "/widget": len(widget.visits)})

    # A new ticket reaches the agents once, with the message that opened it: that message gets no
    # `message` push of its own on /agent (five agents online: five socket writes fewer per new ticket).
    def ticket_created(_name, event):
        ticket = event["ticket"]
        payload = {**serializers.ticket(ticket), "first_message": serializers.message(event["message"])}
        socketio.emit("ticket_created", payload, to=agents_room(event["company_id"]), namespace="/agent")
        socketio.emit("ticket_status", {"ticket_id": ticket.id, "status": ticket.status},
                      to=visitor_room(ticket.customer_id), namespace="/widget")

    def ticket_updated(_name, event):
        ticket = event["ticket"]
        socketio.emit("ticket_updated", serializers.ticket(ticket), to=agents_room(event["company_id"]),
                      namespace="/agent")
        changes = event.get("changes", {})
        # a merge's status changes reach the visitor as one ticket_status from ticket_merged
        if "status" in changes and "merged_into" not in changes and "merged_from" not in changes:
            socketio.emit("ticket_status", {"ticket_id": ticket.id, "status": ticket.status},
                          to=visitor_room(ticket.customer_id), namespace="/widget")

    def message_created(_name, event):
        message = event["message"]

        def to_agents():
            if not event.get("opened_ticket"):  # else it went out inside ticket_created
                socketio.emit("message", serializers.message(message), to=agents_room(event["company_id"]),
                              namespace="/agent")

        def to_customer():
            if not message.private:
                socketio.emit("message", serializers.public_message(message),
                              to=visitor_room(event["ticket"].customer_id), namespace="/widget")

        # The side that waits for this message is queued first (each socket's writer runs in turn).
        for push in (to_agents, to_customer) if message.author_role == "customer" else (to_customer, to_agents):
            push()

    def ai_token(_name, event):
        ticket = event["ticket"]
        socketio.emit("ai_token", {"ticket_id": ticket.id, "stream_id": event["stream_id"], "delta": event["delta"]},
                      to=visitor_room(ticket.customer_id), namespace="/widget")

    def ai_reset(_name, event):
        ticket = event["ticket"]
        socketio.emit("ai_reset", {"ticket_id": ticket.id, "stream_id": event["stream_id"]},
                      to=visitor_room(ticket.customer_id), namespace="/widget")

    def import_progress(_name, event):
        payload = {k: event[k] for k in ("job_id", "state", "done", "total", "message")}
        socketio.emit("import_progress", payload, to=agents_room(event["company_id"]), namespace="/agent")

    def sla_event(_name, event):
        socketio.emit("sla_alert", {**serializers.sla_event(event["event"]), "ticket": serializers.ticket(event["ticket"])},
                      to=agents_room(event["company_id"]), namespace="/agent")

    def health_alert(_name, event):
        socketio.emit("health_alert", event["alert"].to_dict(), to=admins_room(event["company_id"]),
                      namespace="/agent")
    def ticket_rated(_name, event):
        ticket = event["ticket"]
        rating = {"ticket_id": ticket.id, "csat": serializers.csat(ticket)}
        socketio.emit("ticket_rated", rating, to=agents_room(event["company_id"]), namespace="/agent")
        socketio.emit("rated", {"ticket_id": ticket.id, "score": ticket.csat_score},
                      to=visitor_room(ticket.customer_id), namespace="/widget")
    def notification(_name, event):
        note = event["notification"]
        for sid in presence.sids_of(note.user_id):
            socketio.emit("notification", serializers.notification(note), to=sid, namespace="/agent")
    def ticket_merged(_name, event):
        source, target = event["source"], event["target"]
        socketio.emit("ticket_merged", {"source_id": source.id, "target_id": target.id,
                                        "source": serializers.ticket(source), "target": serializers.ticket(target),
                                        "moved_message_ids": event["moved_message_ids"]},
                      to=agents_room(event["company_id"]), namespace="/agent")
        # The source was closed only because its conversation moved: for the customer it carries on
        # in the target, the ticket the widget follows from now on.
        socketio.emit("ticket_status", {"ticket_id": target.id, "status": target.status, "merged_from": source.id},
                      to=visitor_room(target.customer_id), namespace="/widget")

    def user_deactivated(_name, event):
        for sid in presence.sids_of(event["user_id"]):
            socketio.server.disconnect(sid, namespace="/agent")

    def model_pull(_name, event):
        payload = {k: event[k] for k in ("pull_id", "model", "state", "status", "completed", "total", "message")}
        socketio.emit("model_pull", payload, to=agents_room(event["company_id"]), namespace="/agent")

    services.bus.subscribe(events.MODEL_PULL, model_pull)
    services.bus.subscribe(events.TICKET_CREATED, ticket_created)
    services.bus.subscribe(events.USER_DEACTIVATED, user_deactivated)
    services.bus.subscribe(events.SESSIONS_ENDED, user_deactivated)  # their open consoles are logged out too
    services.bus.subscribe(events.AI_TOKEN, ai_token)
    services.bus.subscribe(events.IMPORT_PROGRESS, import_progress)
    services.bus.subscribe(events.SLA_EVENT, sla_event)
    # open consoles read the tickets' due times again (the countdowns and badges come with them)
    services.bus.subscribe(events.SLA_POLICY_UPDATED, lambda _name, event: socketio.emit(
        "sla_policy_updated", {}, to=agents_room(event["company_id"]), namespace="/agent"))
    services.bus.subscribe(events.AI_RESET, ai_reset)
    services.bus.subscribe(events.TICKET_UPDATED, ticket_updated)
    services.bus.subscribe(events.MESSAGE_CREATED, message_created)
    services.bus.subscribe(events.HEALTH_ALERT, health_alert)
    services.bus.subscribe(events.TICKET_RATED, ticket_rated)
    services.bus.subscribe(events.NOTIFICATION, notification)
    services.bus.subscribe(events.TICKET_MERGED, ticket_merged)
    services.bus.subscribe(events.COMPANY_UPDATED, lambda _name, event: widget.forget_company(event["company_id"]))

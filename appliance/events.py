"""An in-process event bus: services publish domain events, listeners (realtime, later AI and
webhooks) subscribe. Publishing happens after the transaction commits; a failing listener is
logged and never breaks the publisher."""
from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any, Callable

logger = logging.getLogger(__name__)

Listener = Callable[[str, dict[str, Any]], None]

# Event names and their payloads (all carry "company_id"):
TICKET_CREATED = "ticket.created"      # ticket, message (the customer's message that opened it)
TICKET_UPDATED = "ticket.updated"      # ticket, changes
MESSAGE_CREATED = "message.created"    # ticket, message[, opened_ticket: True for the message of a TICKET_CREATED]
# A customer's follow-up message publishes MESSAGE_CREATED alone when all it moved on its ticket is
# the last message, its preview and the waiting time (what every message moves, and what a console
# takes from the message itself); TICKET_UPDATED comes too when it changed more (reopened a pending one).
ARTICLE_CHANGED = "article.changed"    # article_id, deleted
USER_DEACTIVATED = "user.deactivated"  # user_id
SESSIONS_ENDED = "user.sessions_ended"  # user_id: logged out everywhere
COMPANY_UPDATED = "company.updated"    # (name or settings changed)
AI_TOKEN = "ai.token"                  # ticket, stream_id, delta
AI_RESET = "ai.reset"                  # ticket, stream_id (discard the streamed text so far)
IMPORT_PROGRESS = "import.progress"    # job_id, done, total, state ("running"|"done"|"failed"), message
SLA_POLICY_UPDATED = "sla.policy_updated"  # company_id: every ticket's due times may have moved
SLA_EVENT = "sla.event"                # ticket, event (SlaEvent: warning or breach), notify_admins
KNOWLEDGE_CHANGED = "knowledge.changed"  # (the company's indexes changed: caches must forget)
HEALTH_ALERT = "health.alert"          # alert (services.health.Alert: raised or cleared)
TICKET_RATED = "ticket.rated"          # ticket (its csat_score, csat_comment, csat_at are set)
NOTIFICATION = "notification"          # notification (a Notification row for one person)
MODEL_CHOSEN = "model.chosen"          # model (installation-wide: another model answers from now on)
MODEL_PULL = "model.pull"              # pull_id, model, state ("running"|"done"|"failed"), status, completed,
                                       # total, message (installation-wide; sent to the admin's company)


class EventBus:
    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener]] = defaultdict(list)

    def subscribe(self, name: str, listener: Listener) -> None:
        self._listeners[name].append(listener)

    def publish(self, name: str, **payload: Any) -> None:
        for listener in list(self._listeners.get(name, ())):
            try:
                listener(name, payload)
            except Exception:  # a broken listener must not undo the publisher's committed work
                logger.exception("listener %r failed on %s", listener, name)
TICKET_MERGED = "ticket.merged"        # source, target (tickets after the merge), moved_message_ids

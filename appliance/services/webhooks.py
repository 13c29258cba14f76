"""Outgoing webhooks per company: endpoints, and deliveries signed, sent off the request path,
retried with exponential backoff and recorded.

A domain event becomes one ``WebhookDelivery`` row per subscribed endpoint (a short transaction);
sending happens afterwards through ``spawn`` (a background greenlet in the server), never inside a
transaction. A delivery is claimed before each attempt (its ``next_attempt_at`` is pushed past the
timeout in one UPDATE), so the immediate send and the retry job can never send it twice at once.

Receivers verify a delivery like this (Python)::

    signed = request.headers["X-Hearth-Timestamp"].encode() + b"." + request.body   # the raw bytes
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    ok = hmac.compare_digest(expected, request.headers["X-Hearth-Signature"])
    # and reject timestamps (Unix seconds) more than 5 minutes from the receiver's clock: replays
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import unicodedata
from datetime import datetime, timedelta, timezone
from typing import Any, Callable
from urllib.parse import urlsplit

from .. import events, serializers
from ..db import database
from ..domain.models import Company, User, WebhookDelivery, WebhookEndpoint
from ..errors import BadRequest, NotFound
from ..events import EventBus
from ..settings import Settings
from .base import Service, is_row_id

logger = logging.getLogger(__name__)

WEBHOOK_EVENTS = ("ticket.created", "message.created", "ticket.resolved", "sla.breached")
TEST_EVENT = "webhook.test"
MAX_BACKOFF = timedelta(hours=6)
MAX_ENDPOINTS = 20
USER_AGENT = "Hearth-Webhooks/1"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Hearth-Signature header: HMAC-SHA256 of ``timestamp + "." + body`` with the secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def check_url(value: Any) -> str:
    """An absolute http(s) URL with a host that deliveries can be sent to, or a BadRequest naming
    the problem."""
    if not isinstance(value, str) or not value.strip():
        raise BadRequest.field("url", "is required, e.g. https://example.com/hooks/hearth")
    url = value.strip()
    if len(url) > 2000:
        raise BadRequest.field("url", "is longer than 2000 characters")
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in url):
        raise BadRequest.field("url", "must not contain spaces, control or invisible characters "
                                      "(percent-encode them, e.g. %20 for a space)")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise BadRequest.field("url", "is not a valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise BadRequest.field("url", "must start with http:// or https://")
    if not parts.hostname:
        raise BadRequest.field("url", "must name a host, e.g. https://example.com/hooks")
    if "@" in parts.netloc:  # an empty one too: "http://@host/", "http://:@host/"
        raise BadRequest.field("url", "must not carry a user name or password")
    if port == 0:
        raise BadRequest.field("url", "has port 0")
    import httpx

    try:  # the request every attempt would send: one httpx cannot build would fail every time
        httpx.Request("POST", url)
    except (httpx.InvalidURL, ValueError) as exc:  # an IDNA error is a ValueError
        raise BadRequest.field("url", f"is not a URL deliveries can be sent to ({exc})") from None
    return url


class WebhookService(Service):
    def __init__(self, settings: Settings, bus: EventBus, clock: Callable[[], datetime], *,
                 spawn: Callable[..., Any], post: Callable[..., Any] | None = None):
        super().__init__(settings, bus, clock)
        self.spawn = spawn
        self._post = post  # httpx.post unless a test passes another client of the same shape
        # Per company, the events some active endpoint subscribes to: most companies have no
        # endpoint, and every message would otherwise ask. Read on first use, forgotten whenever
        # this service changes an endpoint of the company. ``_generation`` counts those changes, so
        # a read that raced a change is not kept.
        self._wanted: dict[int, frozenset[str]] = {}
        self._generation = 0
        bus.subscribe(events.TICKET_CREATED, self._on_ticket_created)
        bus.subscribe(events.TICKET_UPDATED, self._on_ticket_updated)
        bus.subscribe(events.MESSAGE_CREATED, self._on_message_created)
        bus.subscribe(events.SLA_EVENT, self._on_sla_event)

    # ---- endpoints ------------------------------------------------------------------------
    def endpoints(self, company: Company) -> list[WebhookEndpoint]:
        return list(WebhookEndpoint.select().where(WebhookEndpoint.company == company).order_by(WebhookEndpoint.id))

    def endpoint(self, company: Company, endpoint_id: Any) -> WebhookEndpoint:
        endpoint = None
        if is_row_id(endpoint_id):
            endpoint = WebhookEndpoint.get_or_none((WebhookEndpoint.id == endpoint_id)
                                                   & (WebhookEndpoint.company == company))
        if endpoint is None:
            raise NotFound(f"webhook {endpoint_id} does not exist")
        return endpoint

    def create_endpoint(self, company: Company, actor: User, *, url: Any, events_: Any) -> WebhookEndpoint:
        """A new endpoint with a fresh secret (the caller shows it once)."""
        url = check_url(url)
        chosen = self._check_events(events_)
        with database.atomic():
            if WebhookEndpoint.select().where(WebhookEndpoint.company == company).count() >= MAX_ENDPOINTS:
                raise BadRequest(f"a company may have at most {MAX_ENDPOINTS} webhooks; delete one first")
            endpoint = WebhookEndpoint.create(company=company, url=url, secret="whsec_" + secrets.token_hex(24),
                                              events=chosen, active=True, created_at=self.clock())
            self.audit(company, actor, "webhook.created", "webhook", endpoint.id, url=url, events=chosen)
        self._forget_wanted(company.id)
        return endpoint

    def update_endpoint(self, company: Company, actor: User, endpoint_id: int, *, url: Any = None,
                        events_: Any = None, active: bool | None = None) -> WebhookEndpoint:
        endpoint = self.endpoint(company, endpoint_id)
        if url is not None:
            endpoint.url = check_url(url)
        if events_ is not None:
            endpoint.events = self._check_events(events_)
        if active is not None:
            endpoint.active = bool(active)
        with database.atomic():
            endpoint.save()
            self.audit(company, actor, "webhook.updated", "webhook", endpoint.id, url=endpoint.url,
                       events=endpoint.events, active=endpoint.active)
        self._forget_wanted(company.id)
        return endpoint

    def delete_endpoint(self, company: Company, actor: User, endpoint_id: int) -> None:
        endpoint = self.endpoint(company, endpoint_id)
        with database.atomic():
            self.audit(company, actor, "webhook.deleted", "webhook", endpoint.id, url=endpoint.url)
            endpoint.delete_instance()
        self._forget_wanted(company.id)

    def _forget_wanted(self, company_id: int) -> None:
        """Call after the transaction that changed one of the company's endpoints committed."""
        self._generation += 1
        self._wanted.pop(company_id, None)

    def _wanted_events(self, company_id: int) -> frozenset[str]:
        """The events at least one active endpoint of the company subscribes to."""
        wanted = self._wanted.get(company_id)
        if wanted is None:
            generation = self._generation
            rows = WebhookEndpoint.select(WebhookEndpoint.events).where(
                (WebhookEndpoint.company == company_id) & (WebhookEndpoint.active == True))  # noqa: E712
            wanted = frozenset(name for row in rows for name in (row.events or []))
            if generation == self._generation:  # no endpoint changed while we read
                self._wanted[company_id] = wanted
        return wanted

    @staticmethod
    def _check_events(value: Any) -> list[str]:
        if not isinstance(value, list) or not value:
            raise BadRequest.field("events", f"choose at least one of {', '.join(WEBHOOK_EVENTS)}")
        unknown = [v for v in value if v not in WEBHOOK_EVENTS]
        if unknown:
            raise BadRequest.field("events", f"unknown event {unknown[0]!r}; use {', '.join(WEBHOOK_EVENTS)}")
        return [e for e in WEBHOOK_EVENTS if e in value]

    # ---- deliveries -----------------------------------------------------------------------
    def deliveries(self, company: Company, *, endpoint_id: int | None = None, limit: int = 50,
                   offset: int = 0) -> tuple[list[WebhookDelivery], int]:
        query = WebhookDelivery.select().where(WebhookDelivery.company == company)
        if endpoint_id is not None:
            query = query.where(WebhookDelivery.endpoint == self.endpoint(company, endpoint_id))
        return list(query.order_by(WebhookDelivery.id.desc()).limit(limit).offset(offset)), query.count()

    def delivery(self, company: Company, delivery_id: Any) -> WebhookDelivery:
        found = None
        if is_row_id(delivery_id):
            found = WebhookDelivery.get_or_none((WebhookDelivery.id == delivery_id)
                                                & (WebhookDelivery.company == company))
        if found is None:
            raise NotFound(f"webhook delivery {delivery_id} does not exist")
        return found

    def send_test(self, company: Company, endpoint_id: int) -> WebhookDelivery:
        """Queue a ``webhook.test`` event to one endpoint and send it at once (off the request)."""
        endpoint = self.endpoint(company, endpoint_id)
        delivery = self._enqueue(endpoint, TEST_EVENT, {"message": "A test event from Hearth."})
        self.spawn(self.attempt_safely, delivery.id)
        return delivery

    def retry_now(self, company: Company, delivery_id: int) -> WebhookDelivery:
        """Send a pending or failed delivery again now (a failed one gets a fresh set of attempts)."""
        delivery = self.delivery(company, delivery_id)
        if delivery.status == "delivered":
            raise BadRequest(f"delivery {delivery_id} was already delivered; send a test event instead")
        now = self.clock()
        with database.atomic():
            WebhookDelivery.update(status="pending", next_attempt_at=now, updated_at=now,
                                   attempts=0 if delivery.status == "failed" else WebhookDelivery.attempts
                                   ).where(WebhookDelivery.id == delivery.id).execute()
        self.spawn(self.attempt_safely, delivery.id)
        return delivery

    def run_due(self, now: datetime | None = None) -> int:
        """Attempt every pending delivery whose time has come (the scheduler's job); returns how many."""
        now = now or self.clock()
        due = [d.id for d in WebhookDelivery.select(WebhookDelivery.id)
               .where((WebhookDelivery.status == "pending") & (WebhookDelivery.next_attempt_at <= now))
               .order_by(WebhookDelivery.next_attempt_at).limit(100)]
        attempted = 0
        for delivery_id in due:
            try:
                if self.attempt(delivery_id, now) is not None:
                    attempted += 1
            except Exception:  # one delivery must not hold up the rest of the round (other companies' too)
                logger.exception("webhook delivery %s failed unexpectedly; it is tried again later", delivery_id)
        return attempted

    def attempt_safely(self, delivery_id: int) -> None:
        with database.connection_context():
            try:
                self.attempt(delivery_id)
            except Exception:  # a background task must not die silently; the retry job tries again
                logger.exception("webhook delivery %s failed unexpectedly", delivery_id)

    def attempt(self, delivery_id: int, now: datetime | None = None) -> WebhookDelivery | None:
        """Send one delivery once, if it is pending and due, and record the outcome. No transaction
        is open while the request is on the wire."""
        now = now or self.clock()
        lease = now + timedelta(seconds=self.settings.webhook_timeout + 30)
        claimed = (WebhookDelivery.update(next_attempt_at=lease)
                   .where((WebhookDelivery.id == delivery_id) & (WebhookDelivery.status == "pending")
                          & (WebhookDelivery.next_attempt_at <= now)).execute())
        if not claimed:
            return None
        delivery = (WebhookDelivery.select(WebhookDelivery, WebhookEndpoint, Company).join(WebhookEndpoint)
                    .join(Company).where(WebhookDelivery.id == delivery_id).first())
        if delivery is None:  # its webhook (or company) was deleted since the claim
            return self._gone(delivery_id)
        endpoint = delivery.endpoint
        body = json.dumps({"id": delivery.id, "event": delivery.event, "company": endpoint.company.slug,
                           "created_at": serializers.iso(delivery.created_at), "data": delivery.payload},
                          separators=(",", ":"), ensure_ascii=False).encode()
        timestamp = str(int(now.replace(tzinfo=timezone.utc).timestamp()))
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                   "X-Hearth-Event": delivery.event, "X-Hearth-Delivery": str(delivery.id),
                   "X-Hearth-Timestamp": timestamp, "X-Hearth-Signature": sign(endpoint.secret, timestamp, body)}
        status_code, error = None, None
        try:
            response = self._send(endpoint.url, body, headers)
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"the receiver answered HTTP {status_code}"
        except Exception as exc:  # any network failure is one failed attempt, retried later
            error = f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__
        attempts = delivery.attempts + 1
        if error is None:
            status, next_at = "delivered", None
        elif attempts >= self.settings.webhook_max_attempts:
            status, next_at = "failed", None
        else:
            status, next_at = "pending", now + self.backoff(attempts)
        with database.atomic():
            recorded = WebhookDelivery.update(status=status, attempts=attempts, last_status_code=status_code,
                                              last_error=error, next_attempt_at=next_at, updated_at=now).where(
                WebhookDelivery.id == delivery.id).execute()
        if not recorded:  # the webhook was deleted while this was on the wire
            return self._gone(delivery.id)
        log = logger.info if error is None else logger.warning
        log("webhook delivery %s (%s) to endpoint %s: %s after %d attempt(s)", delivery.id, delivery.event,
            endpoint.id, status if error is None else f"{status}, {error}", attempts)
        return WebhookDelivery.get_or_none(WebhookDelivery.id == delivery.id)

    @staticmethod
    def _gone(delivery_id: int) -> None:
        """A delivery whose webhook was deleted meanwhile (its deliveries go with it): nothing to record."""
        logger.info("webhook delivery %s dropped: its webhook was deleted", delivery_id)
        return None

    def backoff(self, attempts: int) -> timedelta:
        """Wait after the n-th failed attempt: retry_seconds × 2^(n-1), at most 6 hours."""
        return min(timedelta(seconds=self.settings.webhook_retry_seconds * 2 ** (attempts - 1)), MAX_BACKOFF)

    def _send(self, url: str, body: bytes, headers: dict[str, str]):
        if self._post is None:
            import httpx

            self._post = httpx.post
        return self._post(url, content=body, headers=headers, timeout=self.settings.webhook_timeout,
                          follow_redirects=False)

    def _enqueue(self, endpoint: WebhookEndpoint, event: str, payload: dict[str, Any]) -> WebhookDelivery:
        now = self.clock()
        with database.atomic():
            return WebhookDelivery.create(company=endpoint.company_id, endpoint=endpoint, event=event, payload=payload,
                                          status="pending", attempts=0, next_attempt_at=now, created_at=now,
                                          updated_at=now)

    # ---- domain events → deliveries ---------------------------------------------------------
    def dispatch(self, company_id: int, event: str, payload: Callable[[], dict[str, Any]]) -> list[WebhookDelivery]:
        """Record a delivery for every active endpoint of the company subscribed to ``event`` and
        send each in the background. ``payload`` builds the event's data; it is called only when an
        endpoint wants the event (most companies have none, and serializing costs queries)."""
        if event not in self._wanted_events(company_id):
            return []
        targets = [e for e in WebhookEndpoint.select().where((WebhookEndpoint.company == company_id)
                                                             & (WebhookEndpoint.active == True))  # noqa: E712
                   if event in (e.events or [])]
        if not targets:
            return []
        data = payload()
        queued = [self._enqueue(endpoint, event, data) for endpoint in targets]
        for delivery in queued:
            self.spawn(self.attempt_safely, delivery.id)
        return queued

    def _on_ticket_created(self, _name: str, event: dict) -> None:
        self.dispatch(event["company_id"], "ticket.created", lambda: {"ticket": serializers.ticket(event["ticket"])})

    def _on_ticket_updated(self, _name: str, event: dict) -> None:
        ticket = event["ticket"]
        if "status" in event.get("changes", {}) and ticket.status == "resolved":
            self.dispatch(event["company_id"], "ticket.resolved", lambda: {"ticket": serializers.ticket(ticket)})

    def _on_message_created(self, _name: str, event: dict) -> None:
        self.dispatch(event["company_id"], "message.created",
                      lambda: {"ticket": serializers.ticket(event["ticket"]), "message": serializers.message(event["message"])})

    def _on_sla_event(self, _name: str, event: dict) -> None:
        if event["event"].kind == "breach":
            self.dispatch(event["company_id"], "sla.breached",
                          lambda: {"ticket": serializers.ticket(event["ticket"]),
                                   "breach": serializers.sla_event(event["event"])})

"""Peewee models. Every tenant-owned row carries its company; times are naive UTC."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from ..db import database

ROLES = ("admin", "agent")
AUTHOR_ROLES = ("customer", "agent", "ai", "system")
# "bot": the AI is handling it; "open": waiting in the agents' queue; "pending": waiting on the customer.
TICKET_STATUSES = ("bot", "open", "pending", "resolved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
CHANNELS = ("widget", "api")

DEFAULT_COMPANY_SETTINGS = {
    "widget_color": "#2563eb",
    "widget_greeting": "Hi! How can we help you today?",
    "ai_system_prompt": "You are a friendly, concise support assistant. Answer only from the company's articles.",
    "ai_confidence_threshold": 0.5,
    "ai_enabled": True,
    "ai_cloud_fallback": False,
    "retention_days": 0,            # 0: keep conversations forever
    "retention_action": "delete",   # or "anonymise"
}


def utcnow() -> datetime:
    """The current time as naive UTC, the form every timestamp is stored in."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class JSONField(TextField):
    """A JSON document stored as text."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False

    @classmethod
    def get_or_none(cls, *query, **filters):
        """The first row matching, or None. Peewee's own builds the query a second time on a miss,
        only to word an exception it then swallows: on hot paths where a miss is usual (a message's
        client_id, a ticket's first routing) that doubled the cost of the look-up."""
        if len(query) == 1 and isinstance(query[0], int) and not isinstance(query[0], bool):
            query = (cls._meta.primary_key == query[0],)  # get_or_none(5): by id, as peewee's own does
        select = cls.select()
        if query:
            select = select.where(*query)
        if filters:
            select = select.filter(**filters)
        return select.first()


class Company(BaseModel):
    name = CharField(max_length=120)
    slug = CharField(max_length=64, unique=True)
    settings = JSONField(default=dict)
    next_ticket_number = IntegerField(default=1)
    created_at = DateTimeField(default=utcnow)

    def setting(self, name: str):
        return (self.settings or {}).get(name, DEFAULT_COMPANY_SETTINGS.get(name))

    def effective_settings(self) -> dict:
        return {**DEFAULT_COMPANY_SETTINGS, **(self.settings or {})}


class User(BaseModel):
    company = ForeignKeyField(Company, backref="users", on_delete="CASCADE")
    email = CharField(max_length=254, unique=True)
    name = CharField(max_length=120)
    role = CharField(max_length=16, default="agent")
    password_hash = CharField(max_length=255)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)
    failed_logins = IntegerField(default=0)  # failed logins in a row
    locked_until = DateTimeField(null=True)  # refused until then after too many failures
    session_epoch = IntegerField(default=0)  # raised to end every session (logout, a new password)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class Customer(BaseModel):
    company = ForeignKeyField(Company, backref="customers", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    name = CharField(max_length=120, default="")
    email = CharField(max_length=254, default="")
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow)

    @property
    def display_name(self) -> str:
        return self.name or f"Visitor {self.id}"


class Ticket(BaseModel):
    company = ForeignKeyField(Company, backref="tickets", on_delete="CASCADE")
    number = IntegerField()
    customer = ForeignKeyField(Customer, backref="tickets", on_delete="CASCADE")
    subject = CharField(max_length=200, default="")
    status = CharField(max_length=16, default="open")
    priority = CharField(max_length=16, default="normal")
    channel = CharField(max_length=16, default="widget")
    assignee = ForeignKeyField(User, null=True, backref="assigned_tickets", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    # When the ticket reached the desk's people, where its SLA clocks start: its creation when the AI
    # is off, else when the AI handed it over or a person took it over. None while the AI handles it alone.
    queued_at = DateTimeField(null=True)
    first_response_at = DateTimeField(null=True)
    waiting_since = DateTimeField(null=True)
    resolved_at = DateTimeField(null=True)
    last_message_at = DateTimeField(default=utcnow)
    last_message_preview = CharField(max_length=200, default="")
    intent = CharField(max_length=200, null=True)
    entities = JSONField(default=dict)
    # Who resolved it: "agent" (resolved_by_user says who) or "ai" (the customer said the AI answered).
    resolved_by = CharField(max_length=16, null=True)
    resolved_by_user = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    # The customer's satisfaction rating (1-5), given once after resolution.
    csat_score = IntegerField(null=True)
    csat_comment = TextField(null=True)
    csat_at = DateTimeField(null=True)
    anonymised_at = DateTimeField(null=True)  # set by the data-retention job

    class Meta:
        indexes = (
            (("company", "number"), True),
            (("company", "status", "last_message_at"), False),
            (("company", "customer"), False),
        )


class Message(BaseModel):
    company = ForeignKeyField(Company, on_delete="CASCADE")
    ticket = ForeignKeyField(Ticket, backref="messages", on_delete="CASCADE")
    author_role = CharField(max_length=16)
    author_user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    customer = ForeignKeyField(Customer, null=True, on_delete="CASCADE")
    body = TextField()
    private = BooleanField(default=False)
    client_id = CharField(max_length=100, null=True)
    metadata = JSONField(default=dict)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("customer", "client_id"), True),
            (("ticket", "id"), False),
        )


class Article(BaseModel):
    company = ForeignKeyField(Company, backref="articles", on_delete="CASCADE")
    title = CharField(max_length=200)
    body = TextField()
    tags = JSONField(default=list)
    published = BooleanField(default=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    version = IntegerField(default=1)  # up by one with every edit; chunks record the version they were cut from

    class Meta:
        indexes = ((("company", "updated_at"), False),)


class ArticleChunk(BaseModel):
    """A piece of an article as the retrievers index it; rebuilt whenever the article changes."""

    company = ForeignKeyField(Company, on_delete="CASCADE")
    article = ForeignKeyField(Article, backref="chunks", on_delete="CASCADE")
    position = IntegerField()
    heading = CharField(max_length=200, default="")
    text = TextField()
    article_version = IntegerField(default=1)  # the article's version this chunk was cut from

    class Meta:
        indexes = ((("article", "position"), True), (("company",), False))


class SlaPolicy(BaseModel):
    """A company's SLA: targets in minutes per priority, business hours, warning share, breach actions."""

    company = ForeignKeyField(Company, on_delete="CASCADE", unique=True)
    targets = JSONField(default=dict)   # {"first_response": {"normal": 60, ...}, "next_response": {...}, "resolution": {...}}
    hours = JSONField(default=dict)     # {"tz": "Europe/Oslo", "weekly": {"0": [["09:00","17:00"]], ...}, "holidays": ["2026-12-25"]}
    warn_share = FloatField(default=0.8)
    actions = JSONField(default=dict)   # {"raise_priority": bool, "notify_admins": bool}
    updated_at = DateTimeField(default=utcnow)


class TicketPause(BaseModel):
    """A period in which the ticket waited on the customer (status pending): SLA clocks stop."""

    company = ForeignKeyField(Company, on_delete="CASCADE")
    ticket = ForeignKeyField(Ticket, backref="pauses", on_delete="CASCADE")
    started_at = DateTimeField()
    ended_at = DateTimeField(null=True)


class SlaEvent(BaseModel):
    """A warning or breach of one SLA target of one ticket, recorded once."""

    company = ForeignKeyField(Company, on_delete="CASCADE")
    ticket = ForeignKeyField(Ticket, backref="sla_events", on_delete="CASCADE")
    target = CharField(max_length=32)
    kind = CharField(max_length=16)
    cycle_start = DateTimeField()
    due_at = DateTimeField()
    created_at = DateTimeField(default=utcnow)


class AuditEntry(BaseModel):
    company = ForeignKeyField(Company, on_delete="CASCADE")
    actor_user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    actor_kind = CharField(max_length=16, default="user")
    action = CharField(max_length=64)
    target_type = CharField(max_length=32)
    target_id = IntegerField(null=True)
    details = JSONField(default=dict)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("company", "created_at"), False),)


class WebhookEndpoint(BaseModel):
    """A URL of the company's that receives signed JSON for the events it subscribed to."""

    company = ForeignKeyField(Company, on_delete="CASCADE")
    url = CharField(max_length=2000)
    secret = CharField(max_length=128)  # signs each body; shown to the admin once, when created
    events = JSONField(default=list)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)


class WebhookDelivery(BaseModel):
    """One event sent (or being sent) to one endpoint: "pending" until delivered, or "failed" once
    it ran out of attempts."""

    company = ForeignKeyField(Company, on_delete="CASCADE")
    endpoint = ForeignKeyField(WebhookEndpoint, backref="deliveries", on_delete="CASCADE")
    event = CharField(max_length=32)
    payload = JSONField()
    status = CharField(max_length=16, default="pending")
    attempts = IntegerField(default=0)
    last_status_code = IntegerField(null=True)
    last_error = TextField(null=True)
    next_attempt_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


# ---- handling: canned replies, tags, merges ---------------------------------------------------------
class CannedReply(BaseModel):
    """A prepared answer with placeholders; shared with the company (owner null) or one agent's own."""

    company = ForeignKeyField(Company, on_delete="CASCADE")
    owner = ForeignKeyField(User, null=True, on_delete="CASCADE")
    title = CharField(max_length=120)
    shortcut = CharField(max_length=32)
    body = TextField()
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


ALL_MODELS = [Company, User, Customer, Ticket, Message, Article, ArticleChunk, AuditEntry, SlaPolicy, TicketPause,
              SlaEvent, WebhookEndpoint, WebhookDelivery]


# ---- routing: teams, agents' capacity and turn, rules, how each ticket was routed -------------------
ROUTING_RULE_KINDS = ("intent", "keyword", "customer", "channel")


class Team(BaseModel):
    company = ForeignKeyField(Company, on_delete="CASCADE")
    name = CharField(max_length=80)
    created_at = DateTimeField(default=utcnow)


class TeamMember(BaseModel):
    company = ForeignKeyField(Company, on_delete="CASCADE")
    team = ForeignKeyField(Team, backref="members", on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")


class AgentRouting(BaseModel):
    """A person's routing state: their capacity (None: the installation's default) and when routing
    last gave them a ticket (round-robin takes the longest-waiting agent next)."""

    company = ForeignKeyField(Company, on_delete="CASCADE")
    user = ForeignKeyField(User, unique=True, on_delete="CASCADE")
    capacity = IntegerField(null=True)
    last_assigned_at = DateTimeField(null=True)


class RoutingRule(BaseModel):
    """Tickets matching ``kind``/``value`` go to ``team`` (first matching rule by position wins)."""

    company = ForeignKeyField(Company, on_delete="CASCADE")
    position = IntegerField()
    kind = CharField(max_length=16)
    value = CharField(max_length=200)
    team = ForeignKeyField(Team, on_delete="CASCADE")
    priority = CharField(max_length=16, null=True)
    created_at = DateTimeField(default=utcnow)


class TicketRouting(BaseModel):
    """How a ticket was routed: the team its rule chose, and ``manual`` once a person assigned or
    unassigned it by hand (routing then leaves it alone)."""

    company = ForeignKeyField(Company, on_delete="CASCADE")
    ticket = ForeignKeyField(Ticket, unique=True, on_delete="CASCADE")
    team = ForeignKeyField(Team, null=True, on_delete="SET NULL")
    rule = ForeignKeyField(RoutingRule, null=True, on_delete="SET NULL")
    manual = BooleanField(default=False)
    routed_at = DateTimeField(default=utcnow)


class Notification(BaseModel):
    """Something one person must know (e.g. an SLA breach for an admin), recorded once per ``ref``."""

    company = ForeignKeyField(Company, on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")
    kind = CharField(max_length=32)
    ref = CharField(max_length=64)
    ticket = ForeignKeyField(Ticket, null=True, on_delete="CASCADE")
    title = CharField(max_length=200)
    body = TextField()
    created_at = DateTimeField(default=utcnow)
    read_at = DateTimeField(null=True)


ALL_MODELS += [Team, TeamMember, AgentRouting, RoutingRule, TicketRouting, Notification]


class TicketTag(BaseModel):
    """A label on a ticket; the company's vocabulary is the set of names in use."""

    company = ForeignKeyField(Company, on_delete="CASCADE")
    ticket = ForeignKeyField(Ticket, backref="tag_rows", on_delete="CASCADE")
    name = CharField(max_length=40)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("ticket", "name"), True), (("company", "name"), False))


class TicketMerge(BaseModel):
    """A ticket (source) whose conversation was moved into another ticket of the same customer."""

    company = ForeignKeyField(Company, on_delete="CASCADE")
    source = ForeignKeyField(Ticket, unique=True, on_delete="CASCADE")
    target = ForeignKeyField(Ticket, backref="merged_from", on_delete="CASCADE")
    merged_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    moved_messages = IntegerField()
    created_at = DateTimeField(default=utcnow)


ALL_MODELS += [CannedReply, TicketTag, TicketMerge]


class InstallationSetting(BaseModel):
    """An installation-wide choice made in the console (the answering model, LAN serving…)."""

    name = CharField(max_length=64, primary_key=True)
    value = JSONField()
    updated_at = DateTimeField(default=utcnow)


ALL_MODELS.append(InstallationSetting)

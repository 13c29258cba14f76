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
    first_response_at = DateTimeField(null=True)
    waiting_since = DateTimeField(null=True)
    resolved_at = DateTimeField(null=True)
    last_message_at = DateTimeField(default=utcnow)
    last_message_preview = CharField(max_length=200, default="")
    intent = CharField(max_length=200, null=True)
    entities = JSONField(default=dict)

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

    class Meta:
        indexes = ((("company", "updated_at"), False),)


class ArticleChunk(BaseModel):
    """A piece of an article as the retrievers index it; rebuilt whenever the article changes."""

    company = ForeignKeyField(Company, on_delete="CASCADE")
    article = ForeignKeyField(Article, backref="chunks", on_delete="CASCADE")
    position = IntegerField()
    heading = CharField(max_length=200, default="")
    text = TextField()

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


ALL_MODELS = [Company, User, Customer, Ticket, Message, Article, ArticleChunk, AuditEntry, SlaPolicy, TicketPause,
              SlaEvent]

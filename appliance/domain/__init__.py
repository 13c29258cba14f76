"""Hearth's data model: peewee models and the rules that belong to single rows."""
from .models import (  # noqa: F401
    ALL_MODELS,
    Article,
    ArticleChunk,
    AuditEntry,
    Company,
    Customer,
    Message,
    Ticket,
    User,
)

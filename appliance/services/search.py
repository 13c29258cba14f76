"""Full-text search over tickets: SQLite FTS5 on subject, customer, messages and private notes.

The ``ticket_fts`` table (one document per ticket, rowid = ticket id) is kept in step by
triggers in schema 0004. User text never reaches FTS5's query syntax: every word becomes a
quoted prefix phrase, so quotes, asterisks, NEAR or a lone '-' are searched for, not parsed.
"""
from __future__ import annotations

from peewee import SQL

from ..domain.models import Company

AGENT_COLUMNS = "{subject customer public_text private_text}"
PUBLIC_COLUMNS = "{subject customer public_text}"


def fts_query(text: str) -> str | None:
    """An FTS5 expression matching tickets containing every word of ``text`` (as a word prefix);
    None when ``text`` has nothing to search for (only punctuation or symbols)."""
    phrases = ['"%s"*' % word.replace('"', '""') for word in text.split() if any(ch.isalnum() for ch in word)]
    return " ".join(phrases) or None


def matching_ticket_ids(company: Company, text: str, *, include_private: bool) -> SQL | None:
    """A subquery of the company's ticket ids whose document matches ``text``; private notes count
    only with ``include_private`` (agents), never for a customer."""
    expression = fts_query(text)
    if expression is None:
        return None
    columns = AGENT_COLUMNS if include_private else PUBLIC_COLUMNS
    return SQL("(SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH ? AND company_id = ?)",
               [f"{columns} : ({expression})", company.id])

"""Full-text search over tickets: SQLite FTS5 on subject, customer, messages and private notes.

Two indexes, kept in step by triggers (schema 0010): ``ticket_fts`` (rowid = ticket id) holds a
ticket's subject and its customer's name and email; ``message_fts`` (rowid = message id) each
message's body, so writing a message indexes that message alone, however long its conversation.
A ticket matches when every word of the search is in its subject, its customer or one of its
messages. User text never reaches FTS5's query syntax: every word becomes a quoted prefix phrase,
so quotes, asterisks, NEAR or a lone '-' are searched for, not parsed.
"""
from __future__ import annotations

from peewee import SQL

from ..domain.models import Company

TICKET_COLUMNS = "{subject customer}"
# the ticket ids whose subject/customer, or one of whose messages, contain one word
# (the message ids come from the index first: joined the other way, SQLite would walk the
# company's messages and ask the index about each one)
_WORD = ("SELECT rowid AS ticket_id FROM ticket_fts WHERE ticket_fts MATCH ? AND company_id = ? "
         "UNION SELECT ticket_id FROM message WHERE id IN (SELECT rowid FROM message_fts WHERE message_fts MATCH ?) "
         "AND company_id = ?")
_PUBLIC_ONLY = " AND NOT private"


# Each word is a prefix scan of the indexes, and a search runs on the loop every connection shares:
# a long or repetitive query ("r r r …") must not hold it for seconds.
MAX_WORDS = 8


def word_phrases(text: str) -> list[str]:
    """The words of ``text`` to search for, each as a quoted FTS5 prefix phrase: words with nothing
    to search for (only punctuation or symbols) and repeats (ignoring case) are left out, so are
    one-character words when longer ones are there (a one-letter prefix matches nearly everything),
    and only the first ``MAX_WORDS`` count."""
    words = list(dict.fromkeys(word for word in text.lower().split() if any(ch.isalnum() for ch in word)))
    if any(len(word) > 1 for word in words):
        words = [word for word in words if len(word) > 1]
    return ['"%s"*' % word.replace('"', '""') for word in words[:MAX_WORDS]]


def matching_ticket_ids(company: Company, text: str, *, include_private: bool) -> SQL | None:
    """A subquery of the company's ticket ids matching every word of ``text``; private notes count
    only with ``include_private`` (agents), never for a customer."""
    phrases = word_phrases(text)
    if not phrases:
        return None
    word = _WORD if include_private else _WORD + _PUBLIC_ONLY
    selects, params = [], []
    for phrase in phrases:
        selects.append(f"SELECT ticket_id FROM ({word})")
        params += [f"{TICKET_COLUMNS} : ({phrase})", company.id, phrase, company.id]
    return SQL("(" + " INTERSECT ".join(selects) + ")", params)

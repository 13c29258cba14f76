"""What every service shares: settings, the event bus, the clock, and input clean-up."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from peewee import Model

from ..db import PreparedWrites
from ..domain.models import AuditEntry, Company, User
from ..errors import BadRequest
from ..events import EventBus
from ..settings import Settings


MAX_ROW_ID = 2**63 - 1  # SQLite's largest INTEGER; a bigger id names no row (and would not bind)


def is_row_id(value: Any) -> bool:
    """Whether ``value`` can be the id of a row: an int (not a bool) SQLite can hold."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ROW_ID


def joined_columns(model: type[Model], prefix: str) -> list[Any]:
    """Every column of ``model``, aliased ``prefix`` + field name: a ``PreparedSelect`` that joins
    ``model`` selects these, so its raw rows carry the joined row without name clashes."""
    return [field.alias(prefix + field.name) for field in model._meta.sorted_fields]


def take_joined(row: Model, name: str, model: type[Model], prefix: str) -> Model:
    """Set ``row``'s foreign key ``name`` to the ``model`` instance whose ``joined_columns`` are on
    ``row`` (taken off it), converted as peewee converts a row it reads; both stay unchanged (as read:
    nothing to save). Returns ``row``."""
    values = {field.name: field.python_value(row.__dict__.pop(prefix + field.name))
              for field in model._meta.sorted_fields}
    instance = model(__no_default__=1, **values)
    instance._dirty.clear()
    setattr(row, name, instance)
    row._dirty.discard(name)
    return row


class Service:
    def __init__(self, settings: Settings, bus: EventBus, clock: Callable[[], datetime]):
        self.settings = settings
        self.bus = bus
        self.clock = clock
        self._audit_writes = PreparedWrites(AuditEntry)

    def audit(self, company: Company, actor: User | None, action: str, target_type: str,
              target_id: int | None, **details: Any) -> None:
        """Record who changed what; call inside the transaction that makes the change."""
        self._audit_writes.create(
            company=company,
            actor_user=actor,
            actor_kind="user" if actor else "system",
            action=action,
            target_type=target_type,
            target_id=target_id,
            details=details,
            created_at=self.clock(),
        )


# Unicode's Default_Ignorable_Code_Point: characters that show as nothing (zero-width space, joiners,
# soft hyphen, bidi marks and controls, variation selectors, the BOM, Hangul fillers, tag characters).
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
                        "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]")
# Bidi embeddings, overrides and isolates: they change how the text after them reads.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def clean_text(value: Any, field: str, max_length: int, *, required: bool = True, multiline: bool = True) -> str:
    """Normalise user text (NFC, no control characters, trimmed) and enforce its limits.

    A text of nothing but whitespace and invisible characters (Default_Ignorable_Code_Point, such as
    U+200B zero-width space or U+FEFF) counts as empty. Within real text those characters stay: they
    are how many languages are written (U+200D ZWJ in emoji sequences and Indic conjuncts, U+200C
    ZWNJ in Persian, U+200B between Thai words, variation selectors after emoji, U+200E/U+200F marks
    in mixed-direction text, tag characters in flags). One-line text (names, titles) loses the bidi
    embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069): shown among other text,
    they can make a name read as something else; multi-line text keeps them for mixed-direction
    writing."""
    if not isinstance(value, str):
        raise BadRequest.field(field, "must be a string")
    value = unicodedata.normalize("NFC", value)
    allowed = "\n\t" if multiline else ""
    value = "".join(ch for ch in value if ch in allowed or unicodedata.category(ch) not in ("Cc", "Cs"))
    if not multiline:
        value = _BIDI_CONTROLS.sub("", value)
    value = value.strip()
    if not _INVISIBLE.sub("", value).strip():
        value = ""
    if required and not value:
        raise BadRequest.field(field, "must not be empty")
    if len(value) > max_length:
        raise BadRequest.field(field, f"is {len(value)} characters long; the limit is {max_length}")
    return value


def time_zone(name: Any, field: str) -> ZoneInfo:
    """The IANA time zone called ``name`` (e.g. Europe/Oslo); anything else is a BadRequest naming ``field``."""
    try:
        return ZoneInfo(name)
    # not found, not a name (empty, a path), not a string, or a name the system cannot open as a zone
    # file: a folder of the zone database such as "America", or a name too long for a file name
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        shown = name[:60] + "…" if isinstance(name, str) and len(name) > 60 else name
        raise BadRequest.field(field, f"unknown time zone {shown!r}; use a name like Europe/Oslo") from None

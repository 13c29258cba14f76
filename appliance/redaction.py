"""Redacting personal data from text before it leaves the machine (the cloud fallback) or when
old conversations are anonymised: emails, card-like numbers (Luhn-valid), order and invoice
numbers, phone numbers and the names the ticket knows become typed placeholders like [EMAIL].
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# 13-19 digits, optionally grouped by single spaces or dashes.
_CARD = re.compile(r"(?<![\w])\d(?:[ -]?\d){12,18}(?![\w])")
_ORDER = re.compile(
    r"(?P<label>\b(?:order|invoice|inv|receipt|ref|reference|booking|tracking|rma)\b\.?"
    r"(?:\s*(?:no\.?|number|nr\.?|num\.?|id))?\s*[:#]?\s*)(?P<id>#?[A-Z0-9][A-Z0-9-]{2,24})\b"
    r"|(?P<hash>#\d{3,})\b"
    r"|\b(?P<code>(?:ORD|INV|SO|PO|RMA)[-_]?\d[\w-]{2,20})\b", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w+(])(?:(?:\+|00)\s?)?(?:\(\d{1,4}\)\s?)?\d[\d\s().-]{4,17}\d(?![\w])")


@dataclass
class Redaction:
    text: str
    counts: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.counts)


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum card numbers carry."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def redact(text: str, names: Iterable[str] = ()) -> Redaction:
    """``text`` with personal data replaced by [EMAIL], [CARD], [ORDER], [PHONE] and [NAME]."""
    counts: Counter = Counter()

    def sub(pattern: re.Pattern, kind: str, value: str, keep=None) -> str:
        def replace(match: re.Match) -> str:
            found = keep(match) if keep else match.group(0)
            if found is None:
                return match.group(0)
            counts[kind] += 1
            return found
        return pattern.sub(replace, value)

    text = sub(_EMAIL, "EMAIL", text, lambda m: "[EMAIL]")

    def card(match: re.Match):
        digits = re.sub(r"\D", "", match.group(0))
        return "[CARD]" if 13 <= len(digits) <= 19 and luhn_ok(digits) else None
    text = sub(_CARD, "CARD", text, card)

    def order(match: re.Match):
        if match.group("id"):
            ident = match.group("id")
            if not any(ch.isdigit() for ch in ident):
                return None  # "order status", "reference guide": a word, not a number
            return f"{match.group('label')}[ORDER]"
        return "[ORDER]"
    text = sub(_ORDER, "ORDER", text, order)

    def phone(match: re.Match):
        digits = re.sub(r"\D", "", match.group(0))
        if not 7 <= len(digits) <= 15 or _looks_like_date(match.group(0)):
            return None
        return "[PHONE]"
    text = sub(_PHONE, "PHONE", text, phone)

    for pattern in _name_patterns(names):
        text = sub(pattern, "NAME", text, lambda m: "[NAME]")
    return Redaction(text, counts)


def _looks_like_date(value: str) -> bool:
    return bool(re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*|\s*\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\s*", value))


def _name_patterns(names: Iterable[str]) -> list[re.Pattern]:
    """A full name matches in any case; each part of it (3+ letters) only as written, capitalised,
    so an agent called "Will" does not take every "will" with him."""
    full, parts = set(), set()
    for name in names:
        name = " ".join((name or "").split())
        if len(name) < 2:
            continue
        full.add(name)
        for part in name.split(" "):
            part = part.strip(".,'")
            if len(part) >= 3 and part[0].isalpha():
                parts.add(part[0].upper() + part[1:])
    patterns = []
    if full:
        alternatives = "|".join(re.escape(n) for n in sorted(full, key=len, reverse=True))
        patterns.append(re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE))
    if parts:
        alternatives = "|".join(re.escape(p) for p in sorted(parts, key=len, reverse=True))
        patterns.append(re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"))
    return patterns

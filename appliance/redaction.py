"""Redacting personal data from text before it leaves the machine (the cloud fallback) or when
old conversations are anonymised: emails, card-like numbers (Luhn-valid), order and invoice
numbers, phone numbers and the names the ticket knows become typed placeholders like [EMAIL].

For the cloud, ``Pseudonyms`` numbers the placeholders ([EMAIL_1], [NAME_2]; the same value always
gets the same one) and remembers what each stands for, so the real values can be put back into
the answer before the customer sees it.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

KINDS = ("EMAIL", "CARD", "ORDER", "PHONE", "NAME")

# The lookbehind lets a match start only where an address can: without it, every position of a
# long run of letters was tried to its end (quadratic: 22 s for 70,000 characters).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
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


def typed(kind: str, _value: str) -> str:
    """The placeholder for any value of a kind: [EMAIL], [NAME]…"""
    return f"[{kind}]"


def redact(text: str, names: Iterable[str] = (), label: Callable[[str, str], str] = typed) -> Redaction:
    """``text`` with personal data replaced by [EMAIL], [CARD], [ORDER], [PHONE] and [NAME]
    (or whatever ``label(kind, value)`` returns for each value found)."""
    counts: Counter = Counter()

    def sub(pattern: re.Pattern, kind: str, value: str, keep=None) -> str:
        def replace(match: re.Match) -> str:
            found = keep(match) if keep else match.group(0)
            if found is None:
                return match.group(0)
            counts[kind] += 1
            return found
        return pattern.sub(replace, value)

    text = sub(_EMAIL, "EMAIL", text, lambda m: label("EMAIL", m.group(0)))

    def card(match: re.Match):
        digits = re.sub(r"\D", "", match.group(0))
        return label("CARD", match.group(0)) if 13 <= len(digits) <= 19 and luhn_ok(digits) else None
    text = sub(_CARD, "CARD", text, card)

    def order(match: re.Match):
        if match.group("id"):
            ident = match.group("id")
            if not any(ch.isdigit() for ch in ident):
                return None  # "order status", "reference guide": a word, not a number
            return match.group("label") + label("ORDER", ident)
        return label("ORDER", match.group(0))
    text = sub(_ORDER, "ORDER", text, order)

    def phone(match: re.Match):
        digits = re.sub(r"\D", "", match.group(0))
        if not 7 <= len(digits) <= 15 or _looks_like_date(match.group(0)):
            return None
        return label("PHONE", match.group(0))
    text = sub(_PHONE, "PHONE", text, phone)

    for pattern in _name_patterns(names):
        text = sub(pattern, "NAME", text, lambda m: label("NAME", m.group(0)))
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


_PLACEHOLDER = re.compile(r"\[(" + "|".join(KINDS) + r")(?:[ _-]?(\d{1,4}))?\]", re.IGNORECASE)
_LONGEST_PLACEHOLDER = len("[EMAIL_9999]")


def _same(kind: str, value: str) -> str:
    """What makes two spellings of one value the same: digits for numbers, case and spacing for the rest."""
    if kind in ("PHONE", "CARD"):
        return re.sub(r"\D", "", value)
    return " ".join(value.split()).casefold()


class Pseudonyms:
    """Numbered placeholders for one conversation sent to the cloud, and the way back.

    ``redact`` each text that leaves; ``restore`` (or ``restore_stream``) the answer that comes
    back: [EMAIL_1] becomes the address it stood for; an unnumbered [EMAIL] too when only one
    address was sent; a placeholder that stood for nothing is left as it is.
    """

    def __init__(self, names: Iterable[str] = ()):
        self.names = list(names)
        self.values: dict[str, str] = {}          # "[EMAIL_1]" -> the address, as first written
        self._known: dict[tuple[str, str], str] = {}
        self.counts: Counter = Counter()          # values replaced on the way out, by kind
        self.restored: Counter = Counter()        # placeholders put back on the way in, by kind

    def _label(self, kind: str, value: str) -> str:
        key = (kind, _same(kind, value))
        if key not in self._known:
            number = sum(1 for k in self._known if k[0] == kind) + 1
            self._known[key] = f"[{kind}_{number}]"
            self.values[self._known[key]] = value
        return self._known[key]

    def redact(self, text: str) -> str:
        result = redact(text, self.names, self._label)
        self.counts.update(result.counts)
        return result.text

    def restore(self, text: str) -> str:
        def back(match: re.Match) -> str:
            kind, number = match.group(1).upper(), match.group(2)
            if number is not None:
                value = self.values.get(f"[{kind}_{int(number)}]")
            else:
                same_kind = [v for p, v in self.values.items() if p.startswith(f"[{kind}_")]
                value = same_kind[0] if len(same_kind) == 1 else None
            if value is None:
                return match.group(0)
            self.restored[kind] += 1
            return value
        return _PLACEHOLDER.sub(back, text)

    def restore_stream(self, tokens: Iterable[str]) -> Iterator[str]:
        """``restore`` over a stream of tokens, holding back a "[" that may start a placeholder
        until it is complete (a placeholder often arrives in several tokens)."""
        pending = ""
        try:
            for token in tokens:
                pending += token
                start = pending.rfind("[")
                hold = start != -1 and "]" not in pending[start:] and len(pending) - start < _LONGEST_PLACEHOLDER
                cut = start if hold else len(pending)
                if cut:
                    yield self.restore(pending[:cut])
                    pending = pending[cut:]
            if pending:
                yield self.restore(pending)
        finally:
            if hasattr(tokens, "close"):
                tokens.close()

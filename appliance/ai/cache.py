"""Answers remembered per company and normalised question; forgotten when that company's KB changes."""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)


def normalise_question(text: str) -> str:
    return " ".join(_PUNCT.sub(" ", text.lower()).split())


@dataclass
class CachedAnswer:
    body: str
    metadata: dict[str, Any]


class AnswerCache:
    """Hits and misses are counted per company (since start): one company's traffic never shows in
    another's hit rate."""

    def __init__(self, per_company: int = 500):
        self.per_company = per_company
        self._entries: dict[int, OrderedDict[str, CachedAnswer]] = {}
        self._lock = threading.Lock()
        self._hits: dict[int, int] = {}
        self._misses: dict[int, int] = {}

    def get(self, company_id: int, question: str) -> CachedAnswer | None:
        key = normalise_question(question)
        with self._lock:
            entries = self._entries.get(company_id)
            answer = entries.get(key) if entries else None
            if answer is None:
                self._misses[company_id] = self._misses.get(company_id, 0) + 1
                return None
            entries.move_to_end(key)
            self._hits[company_id] = self._hits.get(company_id, 0) + 1
            return answer

    def put(self, company_id: int, question: str, answer: CachedAnswer) -> None:
        key = normalise_question(question)
        if not key:
            return
        with self._lock:
            entries = self._entries.setdefault(company_id, OrderedDict())
            entries[key] = answer
            entries.move_to_end(key)
            while len(entries) > self.per_company:
                entries.popitem(last=False)

    def invalidate(self, company_id: int) -> None:
        with self._lock:
            self._entries.pop(company_id, None)

    def stats(self, company_id: int) -> dict[str, float]:
        """This company's lookups since start: hits, misses and the share of hits."""
        with self._lock:
            hits, misses = self._hits.get(company_id, 0), self._misses.get(company_id, 0)
        total = hits + misses
        return {"hits": hits, "misses": misses, "hit_rate": hits / total if total else 0.0}

    def totals(self) -> dict[str, int]:
        """Every company's lookups since start together (for /metrics)."""
        with self._lock:
            return {"hits": sum(self._hits.values()), "misses": sum(self._misses.values())}

    def clear(self) -> None:
        """Forget every company's answers (another model answers from now on)."""
        with self._lock:
            self._entries.clear()

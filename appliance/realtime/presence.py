"""Who is online in the console and who has which ticket open (in memory, per process)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class _Connection:
    company_id: int
    user_id: int
    name: str
    ticket_id: int | None = None


class Presence:
    def __init__(self) -> None:
        self._by_sid: dict[str, _Connection] = {}

    def connect(self, sid: str, company_id: int, user_id: int, name: str) -> None:
        self._by_sid[sid] = _Connection(company_id, user_id, name)

    def disconnect(self, sid: str) -> _Connection | None:
        return self._by_sid.pop(sid, None)

    def count(self) -> int:
        return len(self._by_sid)

    def get(self, sid: str) -> _Connection | None:
        return self._by_sid.get(sid)

    def view(self, sid: str, ticket_id: int | None) -> int | None:
        """Record that this connection now looks at ``ticket_id``; returns the ticket it left."""
        conn = self._by_sid[sid]
        previous, conn.ticket_id = conn.ticket_id, ticket_id
        return previous

    def sids_of(self, user_id: int) -> list[str]:
        return [sid for sid, c in self._by_sid.items() if c.user_id == user_id]

    def online(self, company_id: int) -> list[dict]:
        people = {c.user_id: c.name for c in self._by_sid.values() if c.company_id == company_id}
        return [{"id": uid, "name": name} for uid, name in sorted(people.items(), key=lambda p: p[1].lower())]

    def online_ids(self, company_id: int) -> set[int]:
        """The ids of the company's people connected now (routing's presence lookup)."""
        return {c.user_id for c in self._by_sid.values() if c.company_id == company_id}

    def viewers(self, company_id: int, ticket_id: int) -> list[dict]:
        people = {c.user_id: c.name for c in self._by_sid.values()
                  if c.company_id == company_id and c.ticket_id == ticket_id}
        return [{"id": uid, "name": name} for uid, name in sorted(people.items(), key=lambda p: p[1].lower())]

"""The injected clock: the time the services see. Tests move it by hand; nothing sleeps."""
from __future__ import annotations

from datetime import datetime, timedelta

START = datetime(2026, 11, 23, 9, 0)  # a Monday


class Clock:
    """A clock for ``create_app(clock=...)``: calling it gives ``now``, which only tests move."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move on by ``timedelta(**delta)``, e.g. ``advance(minutes=5)``."""
        self.now += timedelta(**delta)

    def at(self, when: str) -> None:
        """Set the time from an ISO string, e.g. ``at("2026-11-02T09:00")``."""
        self.now = datetime.fromisoformat(when)

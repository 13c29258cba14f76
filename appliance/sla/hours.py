"""Business hours: which instants count towards an SLA target (time zone, weekly schedule, holidays).

All instants in and out are naive UTC datetimes, the form Hearth stores; the schedule is in the
company's local wall-clock time, so daylight-saving changes are handled per day.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

MAX_DAYS = 3660  # never search further than ten years for open hours


@dataclass(frozen=True)
class BusinessHours:
    """Open windows per weekday (0 = Monday) as (start, end) local times; an empty schedule means 24/7."""

    tz: str = "UTC"
    weekly: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()

    @property
    def always_open(self) -> bool:
        return not self.weekly and not self.holidays

    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def _windows(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's open windows as naive UTC intervals."""
        if day in self.holidays:
            return []
        spans = self.weekly.get(day.weekday(), ()) if self.weekly else ((time(0), time(0)),)
        zone, out = self._zone(), []
        for start, end in spans:
            local_start = datetime.combine(day, start, zone)
            local_end = datetime.combine(day + timedelta(days=1) if end <= start else day, end, zone)
            out.append((_utc(local_start), _utc(local_end)))
        return out

    def _local_day(self, instant: datetime) -> date:
        return instant.replace(tzinfo=timezone.utc).astimezone(self._zone()).date()

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Business minutes in [start, end) (0 when end <= start)."""
        if end <= start:
            return 0.0
        total = 0.0
        day = self._local_day(start) - timedelta(days=1)  # a window may start the evening before
        last = self._local_day(end)
        while day <= last:
            for w_start, w_end in self._windows(day):
                lo, hi = max(start, w_start), min(end, w_end)
                if hi > lo:
                    total += (hi - lo).total_seconds() / 60
            day += timedelta(days=1)
        return total

    def add_minutes(self, start: datetime, minutes: float) -> datetime:
        """The instant at which ``minutes`` business minutes have passed since ``start``."""
        remaining = timedelta(minutes=minutes)
        day = self._local_day(start) - timedelta(days=1)
        for _ in range(MAX_DAYS):
            for w_start, w_end in self._windows(day):
                lo = max(start, w_start)
                if w_end <= lo:
                    continue
                if lo + remaining <= w_end:
                    return lo + remaining
                remaining -= w_end - lo
            day += timedelta(days=1)
        raise ValueError("the business-hours schedule has no open time in the next ten years")


def _utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc).replace(tzinfo=None)

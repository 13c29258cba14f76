"""Reports: one company's figures for a date range, as a summary and as tables (for charts and CSV).

Dates are the company's local dates (the time zone of its SLA business hours, else UTC), both ends
included. Ticket figures cover the tickets *created* in the range; message figures (busiest hours,
AI answers) cover the messages written in it."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..domain.models import Company, Message, SlaEvent, SlaPolicy, Ticket
from ..errors import BadRequest
from .base import Service

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TABLES = ("summary", "tickets_per_day", "response_times", "csat", "busiest_hours", "busiest_weekdays", "ai_answers")


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class Report:
    start: date
    end: date
    timezone: str
    summary: dict[str, Any]
    tables: dict[str, Table]


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _minutes(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 60


def parse_range(start: Any, end: Any, max_days: int) -> tuple[date, date]:
    """The inclusive date range from two YYYY-MM-DD strings, checked (BadRequest names the field)."""
    days = []
    for name, value in (("from", start), ("to", end)):
        try:
            days.append(date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None)
        except ValueError:
            days.append(None)
        if days[-1] is None:
            raise BadRequest.field(name, f"{value!r} is not a date like 2026-11-01")
    if days[0] > days[1]:
        raise BadRequest.field("to", "must not be before from")
    span = (days[1] - days[0]).days + 1
    if span > max_days:
        raise BadRequest.field("to", f"the range covers {span} days; the limit is {max_days}")
    return days[0], days[1]


class ReportService(Service):
    def timezone_of(self, company: Company) -> str:
        """The company's time zone: that of its SLA business hours, else UTC."""
        row = SlaPolicy.get_or_none(SlaPolicy.company == company)
        name = ((row.hours or {}).get("tz") if row else None) or "UTC"
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return "UTC"
        return name

    def build(self, company: Company, start: Any, end: Any) -> Report:
        """The company's report for the local dates ``start``..``end`` (YYYY-MM-DD, inclusive)."""
        first, last = parse_range(start, end, self.settings.reports_max_days)
        tz_name = self.timezone_of(company)
        tz = ZoneInfo(tz_name)

        def utc(day: date) -> datetime:
            return datetime.combine(day, time(0), tz).astimezone(timezone.utc).replace(tzinfo=None)

        def local(moment: datetime) -> datetime:
            return moment.replace(tzinfo=timezone.utc).astimezone(tz)

        lo, hi = utc(first), utc(last + timedelta(days=1))
        tickets = list(Ticket.select(Ticket.id, Ticket.priority, Ticket.status, Ticket.created_at,
                                     Ticket.first_response_at, Ticket.resolved_at, Ticket.resolved_by,
                                     Ticket.csat_score)
                       .where((Ticket.company == company) & (Ticket.created_at >= lo) & (Ticket.created_at < hi)))
        ids = [t.id for t in tickets]
        human_answered = {tid for (tid,) in Message.select(Message.ticket).where(
            (Message.company == company) & Message.ticket.in_(ids) & (Message.author_role == "agent")
            & (Message.private == False)).distinct().tuples()}  # noqa: E712
        breached = {tid for (tid,) in SlaEvent.select(SlaEvent.ticket).where(
            (SlaEvent.company == company) & SlaEvent.ticket.in_(ids) & (SlaEvent.kind == "breach")).distinct().tuples()}

        resolved = [t for t in tickets if t.resolved_at is not None and t.status in ("resolved", "closed")]
        deflected = [t for t in resolved if t.id not in human_answered]
        first_response = [_minutes(t.first_response_at, t.created_at) for t in tickets if t.first_response_at]
        resolution = [_minutes(t.resolved_at, t.created_at) for t in resolved]

        policy = SlaPolicy.get_or_none(SlaPolicy.company == company)
        targets = (policy.targets or {}) if policy else {}
        with_targets = [t for t in tickets if any(t.priority in per for per in targets.values())]
        compliant = [t for t in with_targets if t.id not in breached]

        ratings = [t.csat_score for t in tickets if t.csat_score is not None]

        # tickets per local day (every day of the range, zeros included)
        per_day = {first + timedelta(days=i): [0, 0, 0] for i in range((last - first).days + 1)}
        for t in tickets:
            per_day[local(t.created_at).date()][0] += 1
        for resolved_at, by in (Ticket.select(Ticket.resolved_at, Ticket.resolved_by)
                                .where((Ticket.company == company) & (Ticket.resolved_at >= lo)
                                       & (Ticket.resolved_at < hi)).tuples()):
            row = per_day[local(resolved_at).date()]
            row[1] += 1
            row[2] += by == "ai"

        # messages written in the range: customers' by hour and weekday, the AI's answers
        hours, weekdays = [0] * 24, [0] * 7
        latencies: list[float] = []
        answers: dict[tuple[str, str], list[int]] = {}
        cache_hits = cache_lookups = 0
        rows = (Message.select(Message.author_role, Message.created_at, Message.metadata)
                .where((Message.company == company) & (Message.created_at >= lo) & (Message.created_at < hi)
                       & (Message.private == False) & Message.author_role.in_(["customer", "ai"])).tuples())  # noqa: E712
        for role, created_at, meta in rows:
            if role == "customer":
                moment = local(created_at)
                hours[moment.hour] += 1
                weekdays[moment.weekday()] += 1
                continue
            meta = meta or {}
            if isinstance(meta.get("latency_ms"), (int, float)):
                latencies.append(float(meta["latency_ms"]))
            cached = meta.get("cached")
            if isinstance(cached, bool):
                cache_lookups += 1
                cache_hits += cached
            key = (str(meta.get("provider") or "unknown"), str(meta.get("model") or ""))
            counts = answers.setdefault(key, [0, 0])
            counts[0] += 1
            counts[1] += cached is True

        summary = {
            "tickets": len(tickets),
            "resolved": len(resolved),
            "resolved_by_ai": sum(1 for t in resolved if t.resolved_by == "ai"),
            "deflected": len(deflected),
            "deflection_rate": _share(len(deflected), len(resolved)),
            "first_response": self._times(first_response),
            "resolution": self._times(resolution),
            "sla": {"tickets_with_targets": len(with_targets), "breached": len(with_targets) - len(compliant),
                    "compliance": _share(len(compliant), len(with_targets))},
            "csat": {"count": len(ratings),
                     "average": _round(sum(ratings) / len(ratings)) if ratings else None,
                     "distribution": {str(s): ratings.count(s) for s in range(1, 6)}},
            "ai": {"answers": sum(c[0] for c in answers.values()),
                   "latency_p50_ms": _round(percentile(latencies, 50), 1),
                   "latency_p95_ms": _round(percentile(latencies, 95), 1),
                   "cache_hits": cache_hits, "cache_lookups": cache_lookups,
                   "cache_hit_rate": _share(cache_hits, cache_lookups)},
        }
        tables = {
            "summary": Table(["metric", "value"], self._summary_rows(summary)),
            "tickets_per_day": Table(["date", "tickets", "resolved", "resolved_by_ai"],
                                     [[d.isoformat(), *v] for d, v in per_day.items()]),
            "response_times": Table(["measure", "tickets", "median_minutes", "p90_minutes"], [
                ["first_response", *summary["first_response"].values()],
                ["resolution", *summary["resolution"].values()]]),
            "csat": Table(["score", "ratings"], [[s, ratings.count(s)] for s in range(1, 6)]),
            "busiest_hours": Table(["hour", "customer_messages"], [[h, n] for h, n in enumerate(hours)]),
            "busiest_weekdays": Table(["weekday", "customer_messages"],
                                      [[WEEKDAYS[d], n] for d, n in enumerate(weekdays)]),
            "ai_answers": Table(["provider", "model", "answers", "from_cache"],
                                [[p, m, *c] for (p, m), c in sorted(answers.items(), key=lambda kv: -kv[1][0])]),
        }
        return Report(first, last, tz_name, summary, tables)

    @staticmethod
    def _times(minutes: list[float]) -> dict[str, Any]:
        return {"count": len(minutes), "median_minutes": _round(percentile(minutes, 50)),
                "p90_minutes": _round(percentile(minutes, 90))}

    @staticmethod
    def _summary_rows(summary: dict[str, Any], prefix: str = "") -> list[list[Any]]:
        rows: list[list[Any]] = []
        for key, value in summary.items():
            if isinstance(value, dict):
                rows.extend(ReportService._summary_rows(value, f"{prefix}{key}."))
            else:
                rows.append([f"{prefix}{key}", "" if value is None else value])
        return rows

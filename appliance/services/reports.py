"""Reports: one company's figures for a date range, as a summary and as tables (for charts and CSV).

Dates are the company's local dates (the time zone of its SLA business hours, else UTC), both ends
included. Ticket figures cover the tickets *created* in the range; message figures (busiest hours,
AI answers) cover the messages written in it. A ticket merged into another is not counted as a
ticket of its own (its conversation, first response and resolution live on in the other); its
customer's rating, if any, still counts."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from peewee import Case, fn

from ..domain.models import Company, Message, SlaEvent, SlaPolicy, Ticket, TicketMerge
from ..errors import BadRequest
from .base import Service, time_zone

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


def _minutes_between(later, earlier):
    """SQL: minutes from ``earlier`` to ``later`` (NULL when ``later`` is NULL)."""
    return (fn.julianday(later).coerce(False) - fn.julianday(earlier).coerce(False)) * 1440


def _quarter(column):
    """SQL: the UTC quarter-hour a timestamp falls in, as 'YYYY-MM-DD HH:MM'."""
    minute = (fn.strftime("%M", column).coerce(False).cast("INTEGER") / 15) * 15
    return fn.strftime("%Y-%m-%d %H:", column).coerce(False).concat(fn.printf("%02d", minute).coerce(False))


# Reports turn local days into UTC instants and look a day past the last: days near Python's date.min
# and date.max could not be (9999-12-31 + 1 day overflows). No ticket is that old or that far ahead.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(9998, 12, 31)


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
        if not EARLIEST_DAY <= days[-1] <= LATEST_DAY:
            raise BadRequest.field(name, f"{value!r} is out of range; use a date from {EARLIEST_DAY} to {LATEST_DAY}")
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
            time_zone(name, "hours.tz")
        except BadRequest:  # saved before Hearth checked zone names as it does now
            return "UTC"
        return name

    def build(self, company: Company, start: Any, end: Any) -> Report:
        """The company's report for the local dates ``start``..``end`` (YYYY-MM-DD, inclusive)."""
        first, last = parse_range(start, end, self.settings.reports_max_days)
        tz_name = self.timezone_of(company)
        tz = ZoneInfo(tz_name)

        def utc(day: date) -> datetime:
            return datetime.combine(day, time(0), tz).astimezone(timezone.utc).replace(tzinfo=None)

        lo, hi = utc(first), utc(last + timedelta(days=1))
        merged_away = TicketMerge.select(TicketMerge.source).where(TicketMerge.company == company)
        own = (Ticket.company == company) & Ticket.id.not_in(merged_away)  # each conversation once
        created = (Ticket.created_at >= lo) & (Ticket.created_at < hi)
        in_range = own & created
        human = Message.select(Message.id).where((Message.ticket == Ticket.id) & (Message.author_role == "agent")
                                                 & (Message.private == False))  # noqa: E712
        breach = SlaEvent.select(SlaEvent.id).where((SlaEvent.ticket == Ticket.id) & (SlaEvent.kind == "breach"))
        rows = (Ticket.select(Ticket.priority, Ticket.status, Ticket.resolved_by, Ticket.csat_score, Ticket.queued_at,
                              # a person's first answer, from when the people had the ticket (the AI's time
                              # before a hand-over is not theirs; the SLA's first-response clock starts there too)
                              _minutes_between(Ticket.first_response_at, fn.COALESCE(Ticket.queued_at, Ticket.created_at))
                              .alias("fr"),
                              _minutes_between(Ticket.resolved_at, Ticket.created_at).alias("res"),
                              fn.EXISTS(human).alias("human"), fn.EXISTS(breach).alias("breach"),
                              Ticket.id.in_(merged_away).alias("merged"))
                .where((Ticket.company == company) & created).tuples())

        policy = SlaPolicy.get_or_none(SlaPolicy.company == company)
        targets = (policy.targets or {}) if policy else {}
        tickets = resolved = resolved_by_ai = deflected = with_targets = compliant = 0
        first_response: list[float] = []
        resolution: list[float] = []
        ratings: list[int] = []
        for priority, status, by, score, queued_at, fr, res, was_answered, was_breached, merged in rows:
            if score is not None:
                ratings.append(score)
            if merged:
                continue  # its conversation is counted in the ticket it was merged into
            tickets += 1
            if fr is not None:
                first_response.append(fr)
            if res is not None and status in ("resolved", "closed"):
                resolved += 1
                resolved_by_ai += by == "ai"
                deflected += not was_answered
                resolution.append(res)
            # a conversation the AI handled alone never reached the people: no target applied to it
            if queued_at is not None and any(priority in per for per in targets.values()):
                with_targets += 1
                compliant += not was_breached

        # Counts per UTC quarter-hour (every time zone's offset is a whole number of quarter hours),
        # then moved to local time: exact, and the database does the counting.
        def local(bucket: str) -> datetime:
            return datetime.fromisoformat(bucket).replace(tzinfo=timezone.utc).astimezone(tz)

        per_day = {first + timedelta(days=i): [0, 0, 0] for i in range((last - first).days + 1)}
        created_q = _quarter(Ticket.created_at)
        for bucket, n in (Ticket.select(created_q, fn.COUNT(Ticket.id)).where(in_range)
                          .group_by(created_q).tuples()):
            per_day[local(bucket).date()][0] += n
        resolved_q = _quarter(Ticket.resolved_at)
        for bucket, n, by_ai in (Ticket.select(resolved_q, fn.COUNT(Ticket.id),
                                               fn.SUM(Case(None, [(Ticket.resolved_by == "ai", 1)], 0)))
                                 .where(own & (Ticket.resolved_at >= lo) & (Ticket.resolved_at < hi))
                                 .group_by(resolved_q).tuples()):
            row = per_day[local(bucket).date()]
            row[1] += n
            row[2] += by_ai

        # messages written in the range: customers' by hour and weekday, the AI's answers
        written = ((Message.company == company) & (Message.created_at >= lo) & (Message.created_at < hi)
                   & (Message.private == False))  # noqa: E712
        hours, weekdays = [0] * 24, [0] * 7
        message_q = _quarter(Message.created_at)
        for bucket, n in (Message.select(message_q, fn.COUNT(Message.id))
                          .where(written & (Message.author_role == "customer")).group_by(message_q).tuples()):
            moment = local(bucket)
            hours[moment.hour] += n
            weekdays[moment.weekday()] += n
        latencies: list[float] = []
        answers: dict[tuple[str, str], list[int]] = {}
        cache_hits = cache_lookups = 0
        ai_rows = (Message.select(fn.json_extract(Message.metadata, "$.latency_ms").coerce(False),
                                  fn.json_type(Message.metadata, "$.cached").coerce(False),
                                  fn.json_extract(Message.metadata, "$.provider").coerce(False),
                                  fn.json_extract(Message.metadata, "$.model").coerce(False))
                   .where(written & (Message.author_role == "ai")).tuples())
        for latency, cached, provider, model in ai_rows:
            if isinstance(latency, (int, float)):
                latencies.append(float(latency))
            if cached in ("true", "false"):
                cache_lookups += 1
                cache_hits += cached == "true"
            counts = answers.setdefault((str(provider or "unknown"), str(model or "")), [0, 0])
            counts[0] += 1
            counts[1] += cached == "true"

        summary = {
            "tickets": tickets,
            "resolved": resolved,
            "resolved_by_ai": resolved_by_ai,
            "deflected": deflected,
            "deflection_rate": _share(deflected, resolved),
            "first_response": self._times(first_response),
            "resolution": self._times(resolution),
            "sla": {"tickets_with_targets": with_targets, "breached": with_targets - compliant,
                    "compliance": _share(compliant, with_targets)},
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

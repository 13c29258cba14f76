"""Service levels per company: the policy, each ticket's SLA state, and finding what is due.

Evaluation is the pure function in ``appliance.sla.evaluate``; this service only loads the inputs,
records each warning and breach once, acts on breaches, and publishes them."""
from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from peewee import IntegrityError

from .. import events
from ..db import database
from ..domain.models import PRIORITIES, Company, SlaEvent, SlaPolicy, Ticket, TicketPause, User
from ..errors import BadRequest
from ..sla.evaluate import BREACHED, WARNING, Policy, Target, TicketClock, evaluate
from ..sla.hours import BusinessHours
from .base import Service, time_zone

if TYPE_CHECKING:
    from .notifications import NotificationService
    from .routing import RoutingService

logger = logging.getLogger(__name__)

TARGETS = ("first_response", "next_response", "resolution")
ACTIVE = ("bot", "open", "pending")  # not resolved or closed: clocks may still run (if it reached the people)
ACTIONS = ("raise_priority", "reassign", "notify_admins")  # what a breach may do
PRIORITY_UP = {"low": "normal", "normal": "high", "high": "urgent", "urgent": "urgent"}


def _parse_time(value: Any, field: str) -> time:
    try:
        hour, minute = str(value).split(":")
        return time(int(hour), int(minute))
    except (ValueError, TypeError):
        raise BadRequest.field(field, f"{value!r} is not a time like 09:00") from None


def business_hours(data: dict) -> BusinessHours:
    """BusinessHours from a policy's JSON form, checked (BadRequest names the field)."""
    tz = data.get("tz") or "UTC"
    time_zone(tz, "hours.tz")
    weekly: dict[int, tuple[tuple[time, time], ...]] = {}
    days = data.get("weekly") or {}
    if not isinstance(days, dict):
        raise BadRequest.field("hours.weekly", "use weekdays 0 (Monday) to 6, each a list of [start, end]")
    for day, spans in days.items():
        if str(day) not in {str(d) for d in range(7)} or not isinstance(spans, list):
            raise BadRequest.field("hours.weekly", "use weekdays 0 (Monday) to 6, each a list of [start, end]")
        weekly[int(day)] = tuple((_parse_time(a, "hours.weekly"), _parse_time(b, "hours.weekly"))
                                 for a, b in (span if isinstance(span, (list, tuple)) and len(span) == 2
                                              else (None, None) for span in spans))
    _check_open_windows(weekly)
    dates = data.get("holidays") or []
    if not isinstance(dates, list):
        raise BadRequest.field("hours.holidays", 'use a list of dates like ["2026-12-25"]')
    holidays = set()
    for value in dates:
        try:
            holidays.add(date.fromisoformat(str(value)))
        except ValueError:
            raise BadRequest.field("hours.holidays", f"{value!r} is not a date like 2026-12-25") from None
    _check_holidays(weekly, holidays)
    return BusinessHours(tz, weekly, frozenset(holidays))


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEK = 7 * 1440


def _check_open_windows(weekly: dict[int, tuple[tuple[time, time], ...]]) -> None:
    """Refuse a weekly schedule with no open time (no due time could ever be found) or with windows
    that overlap (the overlap would count twice). An empty schedule is 24/7."""
    if weekly and not any(weekly.values()):
        raise BadRequest.field("hours.weekly", "the schedule has no open time; give at least one day a window "
                                               "like [\"09:00\", \"17:00\"], or no weekly schedule for 24/7")
    spans = []  # minutes of the week; a window ending at or before its start runs past midnight
    for day, windows in weekly.items():
        for n, (start, end) in enumerate(windows):
            lo = day * 1440 + start.hour * 60 + start.minute
            hi = day * 1440 + end.hour * 60 + end.minute + (1440 if end <= start else 0)
            window = (day, n, f"{WEEKDAYS[day]}'s {start:%H:%M}-{end:%H:%M}")
            spans.append((lo, hi, window))
            if hi > WEEK:  # Sunday night runs into Monday morning
                spans.append((lo - WEEK, hi - WEEK, window))
    spans.sort()
    for (_, a_end, a), (b_start, _, b) in zip(spans, spans[1:]):
        if b_start < a_end and a != b:
            raise BadRequest.field("hours.weekly", f"{b[2]} overlaps {a[2]}; join them into one window")


CLOSED_DAYS_LIMIT = 365  # holidays must leave open time in every year
DAY = timedelta(days=1)


def _check_holidays(weekly: dict[int, tuple[tuple[time, time], ...]], holidays: set[date]) -> None:
    """Refuse holidays that leave a year or more with no open time: a target's due time could lie
    past the ten years the evaluator searches (``BusinessHours.add_minutes``), and a desk closed
    for a year has no service level to keep."""
    open_weekdays = {day for day, windows in weekly.items() if windows} if weekly else set(range(7))

    def closed(day: date) -> bool:
        return day in holidays or day.weekday() not in open_weekdays

    seen_until: date | None = None
    for holiday in sorted(holidays):
        if seen_until is not None and holiday <= seen_until:
            continue  # in the closed stretch measured already
        first = last = holiday
        while first > date.min and closed(first - DAY):
            first -= DAY
        while last < date.max and closed(last + DAY):
            last += DAY
        seen_until = last
        if (last - first).days + 1 >= CLOSED_DAYS_LIMIT:
            raise BadRequest.field("hours.holidays", f"the holidays leave no open time from {first} to {last}; "
                                                     "leave some open time in every year")


def _check_reachable(targets: dict[str, dict[str, float]], hours: BusinessHours, now: datetime) -> None:
    """Refuse a target longer than the open time of the next ten years (the evaluator's horizon),
    e.g. a year of minutes with one open hour a week: its due time could never be found."""
    longest = max(((minutes, f"targets.{target}.{priority}") for target, per_priority in targets.items()
                   for priority, minutes in per_priority.items()), default=None)
    if longest is None:
        return
    try:
        hours.add_minutes(now, longest[0])
    except ValueError:
        raise BadRequest.field(longest[1], f"{longest[0]:g} business minutes is more open time than these business "
                                           "hours have in the next ten years; set a shorter target or open more "
                                           "hours") from None


class SlaService(Service):
    def __init__(self, settings, bus, clock, *, routing: "RoutingService | None" = None,
                 notifications: "NotificationService | None" = None):
        super().__init__(settings, bus, clock)
        self.routing = routing
        self.notifications = notifications
        self._warned_invalid_hours: set[tuple] = set()  # (company id, policy saved at) already logged
        self._warned_unevaluable: set[tuple] = set()  # the same, for policies whose evaluation failed

    # ---- the policy -------------------------------------------------------------------------
    def policy_row(self, company: Company) -> SlaPolicy | None:
        return SlaPolicy.get_or_none(SlaPolicy.company == company)

    def set_policy(self, company: Company, actor: User, *, targets: dict, hours: dict | None = None,
                   warn_share: float = 0.8, actions: dict | None = None) -> SlaPolicy:
        clean: dict[str, dict[str, float]] = {}
        for target, per_priority in (targets or {}).items():
            if target not in TARGETS or not isinstance(per_priority, dict):
                raise BadRequest.field("targets", f"use {', '.join(TARGETS)}, each {{priority: minutes}}")
            for priority, minutes in per_priority.items():
                field = f"targets.{target}.{priority}"
                if priority not in PRIORITIES:
                    raise BadRequest.field(field, f"unknown priority; use one of {', '.join(PRIORITIES)}")
                if minutes is None:
                    continue
                if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not 1 <= minutes <= 525_600:
                    raise BadRequest.field(field, "must be a number of minutes from 1 to 525600")
                clean.setdefault(target, {})[priority] = float(minutes)
        _check_reachable(clean, business_hours(hours or {}), self.clock())
        if isinstance(warn_share, bool) or not isinstance(warn_share, (int, float)) or not 0.1 <= warn_share < 1:
            raise BadRequest.field("warn_share", "must be a share between 0.1 and 0.99, e.g. 0.8")
        if not isinstance(actions or {}, dict):
            raise BadRequest.field("actions", f"use {{action: true|false}} with actions {', '.join(ACTIONS)}")
        unknown = [k for k in (actions or {}) if k not in ACTIONS]
        if unknown:
            raise BadRequest.field("actions", f"unknown action {unknown[0]!r}; use {', '.join(ACTIONS)}")
        for name, on in (actions or {}).items():
            if not isinstance(on, bool):  # bool("false") is True: never guess
                raise BadRequest.field(f"actions.{name}", "must be true or false")
        actions = dict(actions or {})
        with database.atomic():
            row = self.policy_row(company) or SlaPolicy(company=company)
            row.targets, row.hours, row.warn_share, row.actions = clean, hours or {}, float(warn_share), actions
            row.updated_at = self.clock()
            row.save()
            self.audit(company, actor, "sla.policy_updated", "company", company.id, targets=clean)
        self.bus.publish(events.SLA_POLICY_UPDATED, company_id=company.id)
        return row

    def policy(self, row: SlaPolicy) -> Policy:
        targets = row.targets or {}
        try:
            hours = business_hours(row.hours or {})
        except BadRequest as error:  # saved before Hearth checked schedules: never break the inbox over it
            if (row.company_id, row.updated_at) not in self._warned_invalid_hours:  # once, not on every read
                self._warned_invalid_hours.add((row.company_id, row.updated_at))
                logger.warning("company %s: the SLA business hours are invalid (%s); counting around the clock "
                               "until an admin saves the SLA policy again", row.company_id, error)
            hours = BusinessHours()
        return Policy(targets.get("first_response", {}), targets.get("next_response", {}),
                      targets.get("resolution", {}), hours, row.warn_share)

    # ---- a ticket's state -------------------------------------------------------------------
    @staticmethod
    def clock_of(ticket: Ticket, pauses: tuple | None = None) -> TicketClock:
        """The ticket's SLA clock; ``pauses`` as (started_at, ended_at) pairs in order when already read."""
        if pauses is None:
            pauses = tuple((p.started_at, p.ended_at) for p in
                           TicketPause.select().where(TicketPause.ticket == ticket.id).order_by(TicketPause.id))
        return TicketClock(ticket.priority, ticket.queued_at, ticket.first_response_at, ticket.waiting_since,
                           ticket.resolved_at, pauses)

    def targets(self, ticket: Ticket, now: datetime | None = None) -> list[Target]:
        return self.targets_of([ticket], now)[ticket.id]

    def targets_of(self, tickets: list[Ticket], now: datetime | None = None) -> dict[int, list[Target]]:
        """``targets`` of many tickets by id, their policies and pauses read in two queries, not two per ticket."""
        now = now or self.clock()
        ids = [t.id for t in tickets]
        rows = {row.company_id: row for row in
                SlaPolicy.select().where(SlaPolicy.company.in_({t.company_id for t in tickets}))} if ids else {}
        pauses: dict[int, list] = {}
        if rows:
            for p in (TicketPause.select().where(TicketPause.ticket.in_(ids))
                      .order_by(TicketPause.id)):
                pauses.setdefault(p.ticket_id, []).append((p.started_at, p.ended_at))
        policies = {company_id: self.policy(row) for company_id, row in rows.items()}
        out: dict[int, list[Target]] = {}
        for t in tickets:
            out[t.id] = []
            if t.company_id not in policies:
                continue
            try:
                out[t.id] = evaluate(self.clock_of(t, tuple(pauses.get(t.id, ()))), policies[t.company_id], now)
            except Exception as error:  # a policy never breaks the inbox: this ticket shows no SLA
                row = rows[t.company_id]
                if (row.company_id, row.updated_at) not in self._warned_unevaluable:  # once, not on every read
                    self._warned_unevaluable.add((row.company_id, row.updated_at))
                    logger.warning("company %s: the SLA policy cannot be evaluated for ticket %s (%s); tickets it "
                                   "fails for show no SLA until an admin saves the SLA policy again",
                                   row.company_id, t.id, error, exc_info=not isinstance(error, ValueError))
        return out

    # ---- what is due ------------------------------------------------------------------------
    def check_due(self, now: datetime | None = None) -> list[SlaEvent]:
        """Record and publish every warning and breach that is due and not yet recorded (also those
        missed while Hearth was down). Safe to run as often as liked: each fires once. A company
        whose check fails is logged and skipped: the others' alerts still fire."""
        now = now or self.clock()
        fired: list[SlaEvent] = []
        for row in SlaPolicy.select():
            try:
                fired.extend(self._check_company(row, now))
            except Exception:
                logger.exception("company %s: the SLA check failed; the other companies were checked",
                                 row.company_id)
        return fired

    def _check_company(self, row: SlaPolicy, now: datetime) -> list[SlaEvent]:
        """``check_due`` for one company; a ticket whose targets cannot be evaluated is skipped."""
        policy = self.policy(row)
        fired: list[SlaEvent] = []
        failed: list[tuple[int, ValueError]] = []
        tickets = Ticket.select().where((Ticket.company == row.company_id) & Ticket.status.in_(ACTIVE)
                                        & Ticket.queued_at.is_null(False))  # the AI's alone have no clock
        for ticket in tickets:
            try:
                targets = evaluate(self.clock_of(ticket), policy, now)
            except ValueError as error:  # e.g. hours that never reach a target: skip the ticket, not the desk
                failed.append((ticket.id, error))
                continue
            for target in targets:
                if target.state in (WARNING, BREACHED):
                    fired.extend(self._record(row, ticket, target, now))
        if failed:  # once per run, not per ticket
            logger.warning("company %s: the SLA policy cannot be evaluated for %d ticket(s), e.g. ticket %s (%s); "
                           "their warnings and breaches wait until an admin saves the SLA policy again",
                           row.company_id, len(failed), *failed[0])
        return fired

    def _record(self, row: SlaPolicy, ticket: Ticket, target: Target, now: datetime) -> list[SlaEvent]:
        # Which clock an event belongs to, for firing each once: a next response's wait, else the ticket
        # itself (created_at never moves; queued_at does when a merge brings an earlier ticket in, and
        # events recorded before version 12 are keyed by created_at).
        cycle = ticket.waiting_since if target.kind == "next_response" else ticket.created_at
        kinds = ["warning", "breach"] if target.state == BREACHED else ["warning"]
        actions = row.actions or {}
        recorded = []
        for kind in kinds:
            notes = []
            try:
                with database.atomic():
                    event = SlaEvent.create(company=row.company_id, ticket=ticket.id, target=target.kind, kind=kind,
                                            cycle_start=cycle, due_at=target.due_at, created_at=now)
                    self.audit(ticket.company, None, f"sla.{kind}", "ticket", ticket.id, target=target.kind,
                               due_at=target.due_at.isoformat())
                    if kind == "breach" and actions.get("raise_priority"):
                        Ticket.update(priority=PRIORITY_UP[ticket.priority]).where(Ticket.id == ticket.id).execute()
                    if kind == "breach" and actions.get("notify_admins") and self.notifications is not None:
                        notes = self.notifications.record_for_admins(
                            row.company_id, kind="sla_breach", ref=f"sla_event:{event.id}", ticket=ticket,
                            title=f"SLA breached on ticket #{ticket.number}",
                            body=f"{target.kind.replace('_', ' ').capitalize()} target missed "
                                 f"(due {target.due_at:%Y-%m-%d %H:%M} UTC): {ticket.subject}")
            except IntegrityError:
                continue  # recorded before: never fire twice
            recorded.append(event)
            self.bus.publish(events.SLA_EVENT, company_id=row.company_id, ticket=ticket, event=event,
                             notify_admins=bool(actions.get("notify_admins")))
            if notes:
                self.notifications.publish(notes)
            if kind == "breach" and actions.get("reassign") and self.routing is not None:
                self.routing.reassign(ticket.company, ticket, reason=f"sla breach: {target.kind}")
        return recorded


def summary(targets: list[Target]) -> dict[str, Any] | None:
    """A ticket's SLA at a glance: the next due time of its running targets and its worst state
    ("stopped" only when every target stopped unmet at the resolution)."""
    if not targets:
        return None
    order = {"stopped": 0, "met": 1, "running": 2, "warning": 3, "breached": 4}
    running = [t for t in targets if t.state in ("running", "warning") and not t.paused]
    worst = max(targets, key=lambda t: order[t.state]).state
    nxt = min(running, key=lambda t: t.due_at) if running else None
    return {"state": worst, "next_due_at": nxt.due_at if nxt else None, "next_target": nxt.kind if nxt else None,
            "paused": any(t.paused for t in targets)}

"""A ticket's SLA state as a pure function of the ticket's clock, the policy and ``now``.

Three targets, in business minutes: first response (from when the ticket reached the desk's people
to the first agent reply), next response (from when the customer last wrote without an answer) and
resolution (from reaching the people to resolved). Time while the ticket waits on the customer
(``paused``) does not count. A conversation the AI handles alone never reached the people: it has
no targets. Resolving or closing a ticket stops every clock: a target neither met nor breached by
then is ``stopped`` for good (the ticket no longer needs it), one breached before stays breached.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .hours import BusinessHours

WARNING, BREACHED, MET, RUNNING, STOPPED = "warning", "breached", "met", "running", "stopped"


@dataclass(frozen=True)
class Policy:
    """Targets in minutes per priority (None: no target); warn at ``warn_share`` of a target."""

    first_response: dict[str, float | None]
    next_response: dict[str, float | None]
    resolution: dict[str, float | None]
    hours: BusinessHours = field(default_factory=BusinessHours)
    warn_share: float = 0.8


@dataclass(frozen=True)
class TicketClock:
    priority: str
    # When the ticket reached the desk's people (``Ticket.queued_at``); None while the AI handles it alone.
    queued_at: datetime | None
    first_response_at: datetime | None = None
    waiting_since: datetime | None = None
    resolved_at: datetime | None = None
    paused: tuple[tuple[datetime, datetime | None], ...] = ()  # waiting on the customer: (from, until|None)


@dataclass(frozen=True)
class Target:
    kind: str                  # "first_response", "next_response", "resolution"
    minutes: float
    due_at: datetime
    warn_at: datetime
    used_minutes: float
    state: str                 # running, warning, breached, met, stopped
    paused: bool

    @property
    def remaining_minutes(self) -> float:
        return self.minutes - self.used_minutes


def _used(hours: BusinessHours, start: datetime, end: datetime, paused) -> float:
    used = hours.minutes_between(start, end)
    for p_start, p_end in paused:
        lo, hi = max(start, p_start), min(end, p_end or end)
        if hi > lo:
            used -= hours.minutes_between(lo, hi)
    return max(used, 0.0)


def _due(hours: BusinessHours, start: datetime, minutes: float, paused, now: datetime) -> datetime:
    """When ``minutes`` countable minutes will have passed since ``start``: business time, skipping
    the pauses (a pause still running is assumed to end now, so the due time moves while it lasts)."""
    t, remaining = start, minutes
    for p_start, p_end in sorted(paused):
        p_end = p_end or max(now, p_start)
        if p_end <= t:
            continue
        candidate = hours.add_minutes(t, remaining)
        if candidate <= p_start:
            return candidate
        remaining -= hours.minutes_between(t, max(t, p_start))
        t = p_end
    return hours.add_minutes(t, remaining)


def _target(kind: str, minutes: float, start: datetime, met_at: datetime | None, clock: TicketClock,
            policy: Policy, now: datetime) -> Target:
    """The target from ``start`` until it is met (``met_at``) or the ticket is resolved, whichever is first."""
    stop = min((t for t in (met_at, clock.resolved_at) if t is not None), default=None)
    end = stop or now
    is_paused = stop is None and any(p_start <= now and (p_end is None or p_end > now)
                                     for p_start, p_end in clock.paused)
    used = _used(policy.hours, start, end, clock.paused)
    due = _due(policy.hours, start, minutes, clock.paused, now)
    warn = _due(policy.hours, start, minutes * policy.warn_share, clock.paused, now)
    if used >= minutes:
        state = BREACHED
    elif met_at is not None and met_at == stop:
        state = MET
    elif stop is not None:
        state = STOPPED
    elif used >= minutes * policy.warn_share:
        state = WARNING
    else:
        state = RUNNING
    return Target(kind, minutes, due, warn, used, state, is_paused)


def evaluate(clock: TicketClock, policy: Policy, now: datetime) -> list[Target]:
    """Every target that applies to this ticket now."""
    targets: list[Target] = []
    if clock.queued_at is None:
        return targets  # the AI has it alone: no person was needed yet
    first = policy.first_response.get(clock.priority)
    if first is not None:
        targets.append(_target("first_response", first, clock.queued_at, clock.first_response_at, clock,
                               policy, now))
    nxt = policy.next_response.get(clock.priority)
    if nxt is not None and clock.first_response_at is not None and clock.waiting_since is not None \
            and clock.resolved_at is None:
        targets.append(_target("next_response", nxt, clock.waiting_since, None, clock, policy, now))
    resolution = policy.resolution.get(clock.priority)
    if resolution is not None:
        targets.append(_target("resolution", resolution, clock.queued_at, clock.resolved_at, clock, policy, now))
    return targets

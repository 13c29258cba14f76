"""Business-hours arithmetic and SLA evaluation with a fixed clock (no sleeping)."""
from datetime import date, datetime, time

import pytest

from appliance.sla.evaluate import BREACHED, MET, RUNNING, STOPPED, WARNING, Policy, TicketClock, evaluate
from appliance.sla.hours import BusinessHours

NINE_TO_FIVE = {d: ((time(9), time(17)),) for d in range(5)}  # Monday to Friday


def utc(*args):
    return datetime(*args)


def test_always_open_counts_wall_clock_minutes():
    hours = BusinessHours()
    assert hours.minutes_between(utc(2026, 11, 20, 10), utc(2026, 11, 20, 11, 30)) == 90
    assert hours.add_minutes(utc(2026, 11, 20, 23), 120) == utc(2026, 11, 21, 1)


def test_nights_and_weekends_do_not_count():
    hours = BusinessHours("UTC", NINE_TO_FIVE)
    friday_4pm, monday_10am = utc(2026, 11, 20, 16), utc(2026, 11, 23, 10)  # 2026-11-20 is a Friday
    assert hours.minutes_between(friday_4pm, monday_10am) == 60 + 60
    assert hours.add_minutes(friday_4pm, 90) == utc(2026, 11, 23, 9, 30)
    assert hours.add_minutes(utc(2026, 11, 21, 12), 10) == utc(2026, 11, 23, 9, 10)  # Saturday → Monday


def test_time_zones_and_daylight_saving():
    # 9-17 in New York; on 2026-11-02 (Monday, after DST ended) that is 14:00-22:00 UTC
    hours = BusinessHours("America/New_York", NINE_TO_FIVE)
    assert hours.add_minutes(utc(2026, 11, 2, 13), 1) == utc(2026, 11, 2, 14, 1)
    # on Friday 2026-10-30 (still DST) it was 13:00-21:00 UTC
    assert hours.add_minutes(utc(2026, 10, 30, 12), 1) == utc(2026, 10, 30, 13, 1)
    # Friday 20:30 UTC (16:30 local) + 60 min → 30 min Friday, 30 min Monday 9:00 local = 14:30 UTC
    assert hours.add_minutes(utc(2026, 10, 30, 20, 30), 60) == utc(2026, 11, 2, 14, 30)


def test_holidays_are_closed():
    hours = BusinessHours("UTC", NINE_TO_FIVE, frozenset({date(2026, 12, 25)}))
    assert hours.add_minutes(utc(2026, 12, 24, 16, 30), 60) == utc(2026, 12, 28, 9, 30)  # Thu → (Fri holiday) → Mon


def test_overnight_windows():
    hours = BusinessHours("UTC", {d: ((time(22), time(6)),) for d in range(7)})
    assert hours.minutes_between(utc(2026, 11, 20, 21), utc(2026, 11, 21, 7)) == 8 * 60


def test_a_schedule_with_no_open_time_is_a_clear_error():
    with pytest.raises(ValueError, match="no open time"):
        BusinessHours("UTC", {0: ()}).add_minutes(utc(2026, 1, 1), 5)


POLICY = Policy(first_response={"normal": 60, "urgent": 15}, next_response={"normal": 120},
                resolution={"normal": 8 * 60}, hours=BusinessHours("UTC", NINE_TO_FIVE))


def test_first_response_runs_warns_and_breaches():
    clock = TicketClock("normal", queued_at=utc(2026, 11, 23, 9))
    first = lambda now: evaluate(clock, POLICY, now)[0]  # noqa: E731
    assert first(utc(2026, 11, 23, 9, 30)).state == RUNNING
    assert first(utc(2026, 11, 23, 9, 30)).remaining_minutes == 30
    assert first(utc(2026, 11, 23, 9, 48)).state == WARNING  # 80 % of 60 minutes
    assert first(utc(2026, 11, 23, 10, 0)).state == BREACHED
    assert first(utc(2026, 11, 23, 9, 1)).due_at == utc(2026, 11, 23, 10)
    assert first(utc(2026, 11, 23, 9, 1)).warn_at == utc(2026, 11, 23, 9, 48)


def test_answered_in_time_is_met_and_stays_met():
    clock = TicketClock("normal", queued_at=utc(2026, 11, 23, 9), first_response_at=utc(2026, 11, 23, 9, 20))
    assert evaluate(clock, POLICY, utc(2026, 11, 30, 9))[0].state == MET


def test_the_clock_pauses_while_waiting_on_the_customer():
    clock = TicketClock("normal", queued_at=utc(2026, 11, 23, 9),
                        paused=((utc(2026, 11, 23, 9, 30), utc(2026, 11, 23, 11)),))
    first = evaluate(clock, POLICY, utc(2026, 11, 23, 11, 20))[0]
    assert first.used_minutes == 50 and first.state == WARNING
    assert first.due_at == utc(2026, 11, 23, 11, 30)
    ongoing = TicketClock("normal", queued_at=utc(2026, 11, 23, 9), paused=((utc(2026, 11, 23, 9, 30), None),))
    target = evaluate(ongoing, POLICY, utc(2026, 11, 23, 15))[0]
    assert target.paused and target.used_minutes == 30 and target.state == RUNNING


def test_next_response_only_while_the_customer_waits_after_a_first_reply():
    clock = TicketClock("normal", queued_at=utc(2026, 11, 23, 9), first_response_at=utc(2026, 11, 23, 9, 5),
                        waiting_since=utc(2026, 11, 23, 10))
    kinds = {t.kind: t for t in evaluate(clock, POLICY, utc(2026, 11, 23, 12, 1))}
    assert kinds["next_response"].state == BREACHED
    assert "next_response" not in {t.kind for t in evaluate(TicketClock("normal", utc(2026, 11, 23, 9)), POLICY,
                                                            utc(2026, 11, 23, 12))}


def test_priorities_without_a_target_have_none():
    assert [t.kind for t in evaluate(TicketClock("low", utc(2026, 11, 23, 9)), POLICY, utc(2026, 11, 24))] == []
    urgent = evaluate(TicketClock("urgent", utc(2026, 11, 23, 16, 50)), POLICY, utc(2026, 11, 23, 16, 55))
    assert urgent[0].due_at == utc(2026, 11, 24, 9, 5)  # 10 minutes today, 5 tomorrow morning


def test_resolving_stops_every_clock():
    resolved = TicketClock("normal", queued_at=utc(2026, 11, 23, 9), resolved_at=utc(2026, 11, 23, 9, 30))
    first, resolution = evaluate(resolved, POLICY, utc(2026, 11, 30, 9))
    assert (first.kind, first.state, first.used_minutes) == ("first_response", STOPPED, 30)
    assert resolution.state == MET
    late = TicketClock("normal", queued_at=utc(2026, 11, 23, 9), resolved_at=utc(2026, 11, 23, 10, 30))
    assert evaluate(late, POLICY, utc(2026, 11, 30, 9))[0].state == BREACHED  # missed before it was resolved


def test_a_conversation_that_never_reached_the_people_has_no_targets():
    assert evaluate(TicketClock("normal", queued_at=None), POLICY, utc(2026, 11, 30, 9)) == []

"""Report figures on a known week, worked out by hand (see conftest.build_week)."""
import pytest

from appliance.errors import BadRequest
from appliance.services.reports import percentile
from tests.conftest import Tenant
from tests.reports.conftest import build_week


def test_percentiles_interpolate_between_ranks():
    assert percentile([], 50) is None
    assert percentile([7], 90) == 7
    assert percentile([5, 10, 20, 30], 50) == 15
    assert percentile([30, 5, 20, 10], 90) == pytest.approx(27)


def test_the_weeks_figures(services, clock):
    week = build_week(services, clock)
    report = services.reports.build(week["tenant"].company, "2026-11-02", "2026-11-05")
    s = report.summary
    assert report.timezone == "UTC"
    assert (s["tickets"], s["resolved"], s["resolved_by_ai"]) == (6, 5, 2)
    # resolved without any agent message: T4 and T5 (T6 was answered by a person after the hand-over)
    assert (s["deflected"], s["deflection_rate"]) == (2, 0.4)
    # first human answers 5, 10, 20, 30 minutes; resolutions 1, 2, 40, 60, 1440 minutes
    assert s["first_response"] == {"count": 4, "median_minutes": 15.0, "p90_minutes": 27.0}
    assert s["resolution"] == {"count": 5, "median_minutes": 40.0, "p90_minutes": 888.0}
    # T4 and T5, which the AI handled alone, had no target; T2 and T6 (from its hand-over) breached theirs
    assert s["sla"] == {"tickets_with_targets": 4, "breached": 2, "compliance": 0.5}
    assert s["csat"] == {"count": 4, "average": 3.25, "distribution": {"1": 1, "2": 0, "3": 1, "4": 1, "5": 1}}
    # AI answers took 100, 300 and 2000 ms; one of the three cache lookups hit
    assert s["ai"] == {"answers": 3, "latency_p50_ms": 300.0, "latency_p95_ms": 1830.0, "cache_hits": 1,
                       "cache_lookups": 3, "cache_hit_rate": 0.3333}

    tables = report.tables
    assert tables["tickets_per_day"].rows == [["2026-11-02", 2, 1, 0], ["2026-11-03", 2, 2, 1],
                                              ["2026-11-04", 2, 2, 1], ["2026-11-05", 0, 0, 0]]
    assert tables["response_times"].rows == [["first_response", 4, 15.0, 27.0], ["resolution", 5, 40.0, 888.0]]
    assert tables["csat"].rows == [[1, 1], [2, 0], [3, 1], [4, 1], [5, 1]]
    hours = dict(tables["busiest_hours"].rows)
    assert {h: n for h, n in hours.items() if n} == {9: 2, 10: 1, 11: 1, 14: 2, 15: 1}
    assert tables["busiest_weekdays"].rows[:3] == [["Monday", 2], ["Tuesday", 3], ["Wednesday", 2]]
    assert tables["ai_answers"].rows == [["ollama", "llama3.2:3b", 2, 1], ["extractive", "extractive", 1, 0]]
    assert ["sla.compliance", 0.5] in tables["summary"].rows


def test_who_resolved_is_recorded(services, clock):
    week = build_week(services, clock)
    t1, *_rest, t4, _t5, _t6 = [type(t).get_by_id(t.id) for t in week["tickets"]]
    assert (t1.resolved_by, t1.resolved_by_user_id) == ("agent", week["tenant"].agent.id)
    assert (t4.resolved_by, t4.resolved_by_user_id, t4.status) == ("ai", None, "resolved")


def week_report_in(services, clock, tz: str, start: str, end: str):
    """The report from ``start`` to ``end`` on the known week (build_week) after the company puts its
    business hours, and so its local dates, in the time zone ``tz``."""
    tenant = build_week(services, clock)["tenant"]
    services.sla.set_policy(tenant.company, tenant.admin, targets={"first_response": {"normal": 15}},
                            hours={"tz": tz})
    return services.reports.build(tenant.company, start, end)


def test_dates_are_the_companys_local_dates(services, clock):
    # Tuesday 3 November in New York (UTC-5) runs from 05:00 UTC to 05:00 UTC the next day: T3 and T4
    report = week_report_in(services, clock, "America/New_York", "2026-11-03", "2026-11-03")
    assert report.timezone == "America/New_York"
    assert report.summary["tickets"] == 2
    hours = {h: n for h, n in report.tables["busiest_hours"].rows if n}
    assert hours == {9: 2, 10: 1}  # 14:00, 14:10 and 15:00 UTC
    assert report.tables["tickets_per_day"].rows == [["2026-11-03", 2, 2, 1]]  # T2 (06:00) and T4 resolved


def test_half_hour_time_zones_count_exactly(services, clock):
    report = week_report_in(services, clock, "Asia/Kolkata", "2026-11-02", "2026-11-04")
    # UTC+5:30: 09:00 → 14:30, 10:00 → 15:30, 11:00 → 16:30, 14:00 and 14:10 → 19:30/19:40, 15:00 → 20:30
    assert {h: n for h, n in report.tables["busiest_hours"].rows if n} == {14: 2, 15: 1, 16: 1, 19: 2, 20: 1}


def test_another_companys_data_never_counts(services, clock):
    build_week(services, clock, "acme")
    globex = Tenant(services, "globex")
    clock.at("2026-11-03T12:00")
    ticket, _ = globex.customer_message("Hello from Globex")
    services.tickets.update(globex.company, globex.agent, ticket.id, status="resolved")
    services.csat.rate(globex.company, ticket.customer, ticket.id, score=2)
    report = services.reports.build(globex.company, "2026-11-01", "2026-11-30")
    s = report.summary
    assert (s["tickets"], s["resolved"], s["deflected"]) == (1, 1, 1)
    assert s["csat"]["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 0}
    assert s["sla"]["tickets_with_targets"] == 0 and s["ai"]["answers"] == 0
    assert sum(n for _, n in report.tables["busiest_hours"].rows) == 1


@pytest.mark.parametrize("start, end, field", [
    ("2026-11-05", "2026-11-01", "to"),
    ("2026-13-01", "2026-11-01", "from"),
    ("yesterday", "2026-11-01", "from"),
    ("2026-11-01", "2026-11-1", "to"),
    ("2025-01-01", "2026-11-01", "to"),
])
def test_bad_ranges_are_refused_naming_the_field(services, acme, start, end, field):
    with pytest.raises(BadRequest) as caught:
        services.reports.build(acme.company, start, end)
    assert field in caught.value.fields


def test_a_ticket_merged_into_another_is_counted_once_in_it(services, clock):
    """Three customers each open a second ticket that an agent merges into their first: three
    conversations, not six, and none of the emptied tickets is an AI deflection."""
    t = Tenant(services, "merges")
    clock.at("2026-11-02T09:00")
    for n in range(3):
        first, _ = t.customer_message(f"order {n}")
        services.tickets.reply(t.company, t.agent, first.id, body="Looking into it.")
        services.tickets.update(t.company, t.agent, first.id, status="resolved")
        services.csat.rate(t.company, first.customer, first.id, score=4)
        clock.advance(minutes=5)
        second, _ = t.customer_message(f"order {n} again", customer=first.customer)
        services.merges.merge(t.company, t.agent, second.id, first.id)
        services.tickets.update(t.company, t.agent, first.id, status="resolved")
    s = services.reports.build(t.company, "2026-11-02", "2026-11-02").summary
    assert (s["tickets"], s["resolved"], s["deflected"], s["deflection_rate"]) == (3, 3, 0, 0.0)
    assert s["first_response"]["count"] == 3 and s["resolution"]["count"] == 3
    assert s["csat"]["count"] == 3
    rows = services.reports.build(t.company, "2026-11-02", "2026-11-02").tables["tickets_per_day"].rows
    assert rows == [["2026-11-02", 3, 3, 0]]


def test_a_persons_first_response_counts_from_the_hand_over(services, clock):
    """The AI answered for half an hour before handing over; the person answered five minutes later:
    their first response took 5 minutes, not 35."""
    from tests.reports.conftest import ai_answer

    shop = Tenant(services, "handover")
    shop.company = services.companies.update(shop.company, shop.admin, settings={"ai_enabled": True})
    clock.at("2026-11-02T10:00")
    ticket, _ = shop.customer_message("Can I pay in instalments?")
    ai_answer(services, shop, ticket, provider="extractive", model="extractive", latency_ms=300, cached=False)
    clock.at("2026-11-02T10:30")
    services.tickets.hand_over(shop.company, ticket, reason="not sure", customer_notice="A person will answer.")
    clock.at("2026-11-02T10:35")
    services.tickets.reply(shop.company, shop.agent, ticket.id, body="Yes, over 12 months.")
    clock.at("2026-11-02T11:00")
    services.tickets.update(shop.company, shop.agent, ticket.id, status="resolved")
    s = services.reports.build(shop.company, "2026-11-02", "2026-11-02").summary
    assert s["first_response"]["median_minutes"] == 5.0
    assert s["resolution"]["median_minutes"] == 60.0  # the customer's whole wait, from their first message

"""SLA policies, warnings and breaches recorded once, pauses, restart recovery, live alerts."""
import pytest

from appliance.app import create_app
from appliance.db import close_database
from appliance.domain.models import AuditEntry, SlaEvent, Ticket
from appliance.errors import BadRequest
from appliance.services import run_now
from tests.conftest import Tenant


@pytest.fixture
def app(clocked_app):
    return clocked_app


@pytest.fixture
def shop(shop, hearth):
    """The Bikes company with an SLA policy: first answer within 60 minutes, resolution within 480,
    and a breach raises the ticket's priority."""
    hearth.sla.set_policy(shop.company, shop.admin, targets={"first_response": {"normal": 60},
                                                              "resolution": {"normal": 480}},
                          actions={"raise_priority": True})
    return shop


def test_warning_then_breach_each_recorded_once(hearth, shop, clock):
    ticket, _ = shop.customer_message("Where is my bike?")
    clock.advance(minutes=30)
    assert hearth.sla.check_due() == []
    clock.advance(minutes=19)  # 49 minutes: past 80 % of 60
    fired = hearth.sla.check_due()
    assert [(e.target, e.kind) for e in fired] == [("first_response", "warning")]
    assert hearth.sla.check_due() == []  # never twice
    clock.advance(minutes=12)
    fired = hearth.sla.check_due()
    assert [(e.target, e.kind) for e in fired] == [("first_response", "breach")]
    assert Ticket.get_by_id(ticket.id).priority == "high"  # the breach action
    assert AuditEntry.select().where(AuditEntry.action == "sla.breach").count() == 1


def test_an_answered_ticket_is_not_breached(hearth, shop, clock):
    ticket, _ = shop.customer_message()
    clock.advance(minutes=10)
    hearth.tickets.reply(shop.company, shop.agent, ticket.id, body="On it")
    clock.advance(minutes=120)
    assert [e.target for e in hearth.sla.check_due()] == []


@pytest.mark.parametrize("statuses", [["pending"], ["bot", "pending"]],
                         ids=["waiting on the customer", "handed back to the AI"])
def test_the_clocks_stand_still_until_people_have_the_ticket_again(hearth, shop, clock, statuses):
    ticket, _ = shop.customer_message()
    clock.advance(minutes=40)
    for status in statuses:  # handed back to the AI, then waiting on the customer: still no person's clock
        hearth.tickets.update(shop.company, shop.agent, ticket.id, status=status)
        clock.advance(hours=5)
        assert hearth.sla.check_due() == []
        state = {t.kind: t for t in hearth.sla.targets(Ticket.get_by_id(ticket.id))}
        assert state["first_response"].paused and state["first_response"].used_minutes == 40
    hearth.tickets.update(shop.company, shop.agent, ticket.id, status="open")
    clock.advance(minutes=9)
    assert [e.kind for e in hearth.sla.check_due()] == ["warning"]


def test_missed_events_fire_after_a_restart_and_only_once(settings, clock):
    app = create_app(settings, async_mode="threading", spawn=run_now, clock=clock)
    hearth = app.extensions["hearth"]
    shop = Tenant(hearth, "bikes")
    hearth.sla.set_policy(shop.company, shop.admin, targets={"first_response": {"normal": 60}})
    shop.customer_message()
    assert hearth.sla.check_due() == []
    close_database()
    clock.advance(hours=3)  # Hearth was down
    app = create_app(settings, async_mode="threading", spawn=run_now, clock=clock)
    hearth = app.extensions["hearth"]
    assert sorted(e.kind for e in hearth.sla.check_due()) == ["breach", "warning"]
    assert hearth.sla.check_due() == []
    assert SlaEvent.select().count() == 2
    close_database()


def test_alerts_reach_the_agents_live_and_the_ticket_detail_shows_the_countdown(make_client, hearth, shop, clock):
    api = make_client(shop.agent)
    socket = api.agent_socket()
    ticket, _ = shop.customer_message()
    clock.advance(minutes=20)
    detail = api.get(f"/api/v1/tickets/{ticket.id}").get_json()
    first = next(t for t in detail["sla"]["targets"] if t["target"] == "first_response")
    assert first["remaining_minutes"] == 40 and first["state"] == "running"
    assert first["due_at"].startswith("2026-11-23T10:00:00")
    listed = api.get("/api/v1/tickets").get_json()["items"][0]["sla"]
    assert listed["state"] == "running" and listed["next_target"] == "first_response"
    assert listed["next_due_at"].startswith("2026-11-23T10:00:00")
    clock.advance(minutes=45)
    hearth.sla.check_due()
    alerts = [e["args"][0] for e in socket.get_received("/agent") if e["name"] == "sla_alert"]
    assert [(a["target"], a["kind"]) for a in alerts] == [("first_response", "warning"), ("first_response", "breach")]
    assert api.get(f"/api/v1/tickets/{ticket.id}").get_json()["sla"]["breaches"][0]["target"] == "first_response"


def test_policy_api_is_admin_only_and_validated(make_client, shop):
    admin, agent = make_client(shop.admin), make_client(shop.agent)
    body = {"targets": {"first_response": {"urgent": 15, "normal": 60}},
            "hours": {"tz": "Europe/Oslo", "weekly": {"0": [["09:00", "17:00"]]}, "holidays": ["2026-12-25"]}}
    assert agent.put("/api/v1/sla-policy", json=body).status_code == 403
    saved = admin.put("/api/v1/sla-policy", json=body)
    assert saved.status_code == 200 and saved.get_json()["targets"]["first_response"]["urgent"] == 15
    assert agent.get("/api/v1/sla-policy").get_json()["hours"]["tz"] == "Europe/Oslo"
    for bad, field in [({"targets": {"first_response": {"normal": -5}}}, "targets.first_response.normal"),
                       ({"targets": {"lunch": {}}}, "targets"),
                       ({"targets": {}, "hours": {"tz": "Mars/Olympus"}}, "hours.tz"),
                       ({"targets": {}, "hours": {"weekly": {"0": [["9am", "5pm"]]}}}, "hours.weekly"),
                       ({"targets": {}, "warn_share": 2}, "warn_share")]:
        response = admin.put("/api/v1/sla-policy", json=bad)
        assert response.status_code == 422, bad
        assert field in response.get_json()["error"]["fields"], response.get_json()


@pytest.mark.parametrize("tz", ["America", "Etc", "A" * 1000, "Europe/Oslo\x00", 5, ["Europe/Oslo"]])
def test_a_time_zone_name_that_names_no_zone_is_refused(make_client, shop, tz):
    """A folder of the zone database ("America") or a name too long for a file name was a 500."""
    admin = make_client(shop.admin)
    response = admin.put("/api/v1/sla-policy", json={"targets": {}, "hours": {"tz": tz}})
    assert response.status_code == 422
    assert "unknown time zone" in response.get_json()["error"]["fields"]["hours.tz"][0]
    assert admin.get("/api/v1/sla-policy").get_json()["hours"] == {}


def test_a_time_zone_saved_before_it_was_checked_counts_in_utc(make_client, hearth, shop, clock):
    from appliance.domain.models import SlaPolicy

    SlaPolicy.update(hours={"tz": "America", "weekly": {"0": [["09:00", "17:00"]]}}).execute()
    ticket, _ = shop.customer_message()
    clock.advance(minutes=61)
    api = make_client(shop.agent)
    assert api.get("/api/v1/tickets").status_code == 200
    assert api.get(f"/api/v1/tickets/{ticket.id}").get_json()["sla"]["targets"][0]["state"] == "breached"
    assert [e.kind for e in hearth.sla.check_due()] == ["warning", "breach"]


@pytest.mark.parametrize("actions, field", [({"raise_priority": "false"}, "actions.raise_priority"),
                                            ({"notify_admins": "no"}, "actions.notify_admins"),
                                            ({"reassign": 1}, "actions.reassign"),
                                            ({"raise_priority": None}, "actions.raise_priority"),
                                            ({"raise_priority": True, "escalate": True}, "actions")])
def test_breach_actions_are_true_or_false_and_known(make_client, hearth, shop, actions, field):
    """"false" was stored as true (bool("false")): a breach raised the priority it was told not to."""
    admin = make_client(shop.admin)
    response = admin.put("/api/v1/sla-policy", json={"targets": {}, "actions": actions})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"], response.get_json()
    assert admin.get("/api/v1/sla-policy").get_json()["actions"] == {"raise_priority": True}  # unchanged
    saved = admin.put("/api/v1/sla-policy", json={"targets": {}, "actions": {"raise_priority": False}})
    assert saved.get_json()["actions"] == {"raise_priority": False}


def test_service_rejects_unknown_priority(hearth, shop):
    with pytest.raises(BadRequest, match="unknown priority"):
        hearth.sla.set_policy(shop.company, shop.admin, targets={"resolution": {"whenever": 5}})


def test_the_targets_of_many_tickets_are_each_tickets_targets_read_at_once(hearth, shop, clock):
    """The inbox's SLA column: the same targets as ticket by ticket (pauses, answers, another company
    with no policy), read in as many queries for many tickets as for few."""
    from tests.statements import statements

    other = Tenant(hearth, "noslas")
    tickets = [shop.customer_message(f"bike {n}")[0] for n in range(5)] + [other.customer_message()[0]]
    clock.advance(minutes=20)
    hearth.tickets.update(shop.company, shop.agent, tickets[0].id, status="pending")
    hearth.tickets.reply(shop.company, shop.agent, tickets[1].id, body="On it")
    clock.advance(minutes=30)
    hearth.tickets.update(shop.company, shop.agent, tickets[0].id, status="open")
    hearth.tickets.update(shop.company, shop.agent, tickets[2].id, status="resolved")
    clock.advance(minutes=15)
    tickets = [Ticket.get_by_id(t.id) for t in tickets]

    each = {t.id: hearth.sla.targets(t) for t in tickets}
    assert each[tickets[0].id][0].used_minutes == 20 + 15 and each[tickets[-1].id] == []
    with statements() as few:
        assert hearth.sla.targets_of(tickets[:2]) == {t.id: each[t.id] for t in tickets[:2]}
    with statements() as many:
        assert hearth.sla.targets_of(tickets) == each
    assert len(many) == len(few)
    assert hearth.sla.targets_of([]) == {}


@pytest.fixture
def ai_shop(hearth):
    """A company whose AI answers from its articles (any match is confident enough), with tight
    targets: first response 2 minutes, next response 2, resolution 10, around the clock."""
    tenant = Tenant(hearth, "cafe", ai=True).add_articles(
        [("Opening hours", "The cafe is open from 9:00 to 17:00, Monday to Friday, and 10:00 to 14:00 on Saturdays.")])
    tenant.company = hearth.companies.update(tenant.company, tenant.admin, settings={"ai_confidence_threshold": 0})
    hearth.sla.set_policy(tenant.company, tenant.admin, targets={
        "first_response": {"normal": 2}, "next_response": {"normal": 2}, "resolution": {"normal": 10}},
        hours={"tz": "UTC", "weekly": {}, "holidays": []}, actions={"raise_priority": True, "notify_admins": True})
    return tenant


def test_a_conversation_the_ai_handles_alone_runs_no_clock(make_client, hearth, ai_shop, clock):
    ticket, _ = ai_shop.customer_message("When are you open on Saturdays?")
    assert Ticket.get_by_id(ticket.id).status == "bot"  # answered by the AI, the customer left
    clock.advance(minutes=30)
    assert hearth.sla.check_due() == []
    assert Ticket.get_by_id(ticket.id).priority == "normal"
    api = make_client(ai_shop.agent)
    assert api.get(f"/api/v1/tickets/{ticket.id}").get_json()["sla"]["targets"] == []
    assert api.get("/api/v1/tickets").get_json()["items"][0]["sla"] is None

    hearth.csat.resolve_by_ai(ai_shop.company, ticket.customer, ticket.id)  # "Yes, that answered it"
    clock.advance(hours=2)
    assert hearth.sla.check_due() == [] and SlaEvent.select().count() == 0
    assert api.get("/api/v1/tickets").get_json()["items"][0]["sla"] is None


def test_the_clocks_start_when_the_ai_hands_the_conversation_over(hearth, ai_shop, clock):
    ticket, _ = ai_shop.customer_message("When are you open on Saturdays?")
    clock.advance(minutes=30)
    hearth.tickets.hand_over(ai_shop.company, Ticket.get_by_id(ticket.id), reason="the customer asked for a person",
                             customer_notice="A person will answer.")
    first = hearth.sla.targets(Ticket.get_by_id(ticket.id))[0]
    assert (first.kind, first.state, first.used_minutes) == ("first_response", "running", 0)
    assert first.due_at == clock.now.replace(minute=32)
    clock.advance(minutes=1)
    assert hearth.sla.check_due() == []
    clock.advance(minutes=2)
    assert [(e.target, e.kind) for e in hearth.sla.check_due()] == [("first_response", "warning"),
                                                                     ("first_response", "breach")]


def test_a_ticket_handed_back_to_the_ai_and_solved_by_it_keeps_no_pause_when_reopened(hearth, ai_shop, clock):
    """"Yes, that answered it" resolved without ending the hand-back's pause: reopened, the ticket's
    clocks stood still for good and it never breached."""
    ticket, _ = ai_shop.customer_message("When are you open on Saturdays?")
    hearth.tickets.update(ai_shop.company, ai_shop.agent, ticket.id, status="open")
    clock.advance(minutes=1)
    hearth.tickets.update(ai_shop.company, ai_shop.agent, ticket.id, status="bot")
    hearth.tickets.post_ai_message(ai_shop.company, Ticket.get_by_id(ticket.id), body="From 9 to 18 [1].",
                                   metadata={"provider": "ollama", "sources": [{"article_id": 1, "title": "Hours"}]})
    hearth.csat.resolve_by_ai(ai_shop.company, ticket.customer, ticket.id)
    hearth.tickets.update(ai_shop.company, ai_shop.agent, ticket.id, status="open")
    clock.advance(minutes=5)
    first = hearth.sla.targets(Ticket.get_by_id(ticket.id))[0]
    assert not first.paused and first.used_minutes == 6


def test_a_ticket_the_ai_had_alone_set_to_pending_starts_its_clocks_paused(hearth, ai_shop, clock):
    ticket, _ = ai_shop.customer_message("When are you open on Saturdays?")
    hearth.tickets.update(ai_shop.company, ai_shop.agent, ticket.id, status="pending")
    clock.advance(minutes=30)
    first = hearth.sla.targets(Ticket.get_by_id(ticket.id))[0]
    assert first.paused and first.used_minutes == 0 and hearth.sla.check_due() == []


def test_resolving_stops_the_clocks_and_an_unmet_target_is_stopped_not_breached(make_client, hearth, shop, clock):
    ticket, _ = shop.customer_message()
    clock.advance(minutes=30)
    hearth.tickets.update(shop.company, shop.agent, ticket.id, status="resolved")
    clock.advance(days=2)
    assert hearth.sla.check_due() == []
    state = {t.kind: t.state for t in hearth.sla.targets(Ticket.get_by_id(ticket.id))}
    assert state == {"first_response": "stopped", "resolution": "met"}
    listed = make_client(shop.agent).get("/api/v1/tickets").get_json()["items"][0]["sla"]
    assert listed["state"] == "met" and listed["next_due_at"] is None

    late, _ = shop.customer_message()  # a target breached before the resolution stays breached
    clock.advance(minutes=70)
    hearth.tickets.update(shop.company, shop.agent, late.id, status="closed")
    clock.advance(days=2)
    state = {t.kind: t.state for t in hearth.sla.targets(Ticket.get_by_id(late.id))}
    assert state == {"first_response": "breached", "resolution": "met"}


def test_a_ticket_closed_by_a_merge_keeps_no_running_countdown(hearth, shop, clock):
    earlier, _ = shop.customer_message("Where is my bike?")
    hearth.tickets.update(shop.company, shop.agent, earlier.id, status="resolved")
    clock.advance(minutes=5)
    source, _ = shop.customer_message("And my helmet?", customer=earlier.customer)
    clock.advance(minutes=10)
    hearth.merges.merge(shop.company, shop.agent, source.id, earlier.id)
    clock.advance(hours=3)
    state = {t.kind: t.state for t in hearth.sla.targets(Ticket.get_by_id(source.id))}
    assert state == {"first_response": "stopped", "resolution": "met"}
    assert [e.ticket_id for e in hearth.sla.check_due()] == [earlier.id, earlier.id]  # the reopened one runs


def test_a_breach_fires_once_also_when_a_merge_moves_the_clocks_start(hearth, shop, clock):
    """A merge gives the target the earlier ticket's start; the breach it had already recorded used to
    fire again (a second warning and breach, the priority raised twice)."""
    hearth.sla.set_policy(shop.company, shop.admin, targets={"first_response": {"normal": 60, "high": 60}},
                          actions={"raise_priority": True})
    earlier, _ = shop.customer_message("Where is my bike?")
    hearth.tickets.update(shop.company, shop.agent, earlier.id, status="resolved")
    clock.advance(minutes=5)
    late, _ = shop.customer_message("And my helmet?", customer=earlier.customer)
    clock.advance(hours=3)
    assert {(e.ticket_id, e.kind) for e in hearth.sla.check_due()} >= {(late.id, "breach")}
    before = SlaEvent.select().where(SlaEvent.ticket == late.id).count()
    hearth.merges.merge(shop.company, shop.agent, earlier.id, late.id)
    clock.advance(minutes=1)
    hearth.sla.check_due()
    assert SlaEvent.select().where(SlaEvent.ticket == late.id).count() == before
    assert Ticket.get_by_id(late.id).priority == "high"  # raised once


@pytest.mark.parametrize("weekly, message", [
    ({"0": []}, "no open time"),
    ({"0": [], "5": []}, "no open time"),
    ({"0": [["09:00", "12:00"], ["11:00", "13:00"]]}, "Monday's 11:00-13:00 overlaps Monday's 09:00-12:00"),
    ({"4": [["09:00", "12:00"], ["09:00", "12:00"]]}, "Friday's 09:00-12:00 overlaps Friday's 09:00-12:00"),
    ({"2": [["22:00", "02:00"]], "3": [["01:00", "05:00"]]}, "Thursday's 01:00-05:00 overlaps Wednesday's 22:00-02:00"),
    ({"6": [["20:00", "08:00"]], "0": [["07:00", "17:00"]]}, "overlaps Sunday's 20:00-08:00"),
])
def test_a_schedule_with_no_open_time_or_overlapping_windows_is_refused(make_client, shop, weekly, message):
    admin = make_client(shop.admin)
    response = admin.put("/api/v1/sla-policy", json={
        "targets": {"first_response": {"normal": 60}}, "hours": {"tz": "UTC", "weekly": weekly, "holidays": []}})
    assert response.status_code == 422
    assert message in response.get_json()["error"]["fields"]["hours.weekly"][0]
    assert admin.get("/api/v1/tickets").status_code == 200


def test_adjoining_windows_and_a_24_7_schedule_are_fine(hearth, shop):
    for weekly in ({"0": [["09:00", "12:00"], ["12:00", "17:00"]]},
                   {"6": [["20:00", "00:00"]], "0": [["00:00", "08:00"]]}, {}):
        hearth.sla.set_policy(shop.company, shop.admin, targets={"first_response": {"normal": 60}},
                              hours={"tz": "UTC", "weekly": weekly})


def test_a_schedule_saved_before_it_was_checked_counts_around_the_clock(make_client, hearth, shop, clock):
    from appliance.domain.models import SlaPolicy

    SlaPolicy.update(hours={"tz": "UTC", "weekly": {"0": []}}).execute()  # no open time at all
    ticket, _ = shop.customer_message()
    clock.advance(minutes=61)
    api = make_client(shop.agent)
    assert api.get("/api/v1/tickets").status_code == 200
    assert api.get(f"/api/v1/tickets/{ticket.id}").get_json()["sla"]["targets"][0]["state"] == "breached"
    assert [e.kind for e in hearth.sla.check_due()] == ["warning", "breach"]


def mondays(start: str, weeks: int) -> list[str]:
    from datetime import date, timedelta

    return [(date.fromisoformat(start) + timedelta(weeks=n)).isoformat() for n in range(weeks)]


MONDAYS_ONLY = {"0": [["09:00", "17:00"]]}


@pytest.mark.parametrize("hours, message", [
    # every Monday for over ten years, the schedule's only day: no due time within the ten years searched
    ({"weekly": MONDAYS_ONLY, "holidays": mondays("2026-11-23", 530)},
     "no open time from 2026-11-17 to 2037-01-18"),
    # a year closed, starting in two years' time
    ({"weekly": MONDAYS_ONLY, "holidays": mondays("2028-01-03", 52)}, "no open time from 2027-12-28 to 2028-12-31"),
])
def test_holidays_that_leave_no_open_time_for_a_year_are_refused(make_client, shop, hours, message):
    admin = make_client(shop.admin)
    response = admin.put("/api/v1/sla-policy", json={"targets": {"first_response": {"normal": 60}},
                                                     "hours": {"tz": "UTC", **hours}})
    assert response.status_code == 422
    assert message in response.get_json()["error"]["fields"]["hours.holidays"][0]
    assert admin.get("/api/v1/tickets").status_code == 200


def test_holidays_that_leave_open_time_in_every_year_are_fine(hearth, shop):
    for holidays in (mondays("2026-11-23", 51), mondays("2026-11-23", 51) + mondays("2027-11-22", 51)[1:]):
        hearth.sla.set_policy(shop.company, shop.admin, targets={"first_response": {"normal": 60}},
                              hours={"tz": "UTC", "weekly": MONDAYS_ONLY, "holidays": holidays})


def test_a_target_longer_than_ten_years_of_the_business_hours_is_refused(make_client, shop):
    response = make_client(shop.admin).put("/api/v1/sla-policy", json={
        "targets": {"first_response": {"normal": 60}, "resolution": {"normal": 60, "low": 525600}},
        "hours": {"tz": "UTC", "weekly": {"0": [["09:00", "09:10"]]}}})  # ten minutes a week
    assert response.status_code == 422
    assert "more open time than these business hours have in the next ten years" in \
        response.get_json()["error"]["fields"]["targets.resolution.low"][0]


@pytest.mark.parametrize("hours, field", [({"weekly": [["09:00", "17:00"]]}, "hours.weekly"),
                                          ({"weekly": "Monday"}, "hours.weekly"),
                                          ({"holidays": 2026}, "hours.holidays"),
                                          ({"holidays": {"2026-12-25": True}}, "hours.holidays")])
def test_weekly_hours_that_are_not_an_object_or_holidays_not_a_list_are_refused(make_client, shop, hours, field):
    response = make_client(shop.admin).put("/api/v1/sla-policy", json={"targets": {}, "hours": hours})
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]


@pytest.fixture
def other(hearth):
    """A second company, made after ``shop`` (so the SLA job checks it after ``shop``), whose policy
    raises the priority and notifies its admins on a breach."""
    tenant = Tenant(hearth, "other")
    hearth.sla.set_policy(tenant.company, tenant.admin, targets={"first_response": {"normal": 60}},
                          actions={"raise_priority": True, "notify_admins": True})
    return tenant


def test_holidays_saved_before_they_were_checked_break_neither_the_inbox_nor_other_companies_alerts(
        make_client, hearth, shop, other, clock):
    from appliance.domain.models import Notification, SlaPolicy

    SlaPolicy.update(hours={"tz": "UTC", "weekly": MONDAYS_ONLY, "holidays": mondays("2026-11-23", 530)}) \
        .where(SlaPolicy.company == shop.company.id).execute()
    ticket, _ = shop.customer_message()
    theirs, _ = other.customer_message()
    clock.advance(minutes=61)
    api = make_client(shop.agent)
    assert api.get("/api/v1/tickets").status_code == 200
    assert api.get(f"/api/v1/tickets/{ticket.id}").status_code == 200
    fired = hearth.sla.check_due()
    assert {(e.ticket_id, e.kind) for e in fired} >= {(theirs.id, "breach")}
    assert Ticket.get_by_id(theirs.id).priority == "high"
    assert Notification.select().where(Notification.company == other.company.id).count() == 1


def test_a_policy_whose_evaluation_fails_shows_no_sla_and_never_stops_other_companies_alerts(
        make_client, hearth, shop, other, clock, caplog):
    """Hours that cannot reach a target (saved before targets were checked against them): that
    company's tickets show no SLA and are skipped by the SLA job, logged once per run naming the
    company; every other company's warnings and breaches still fire."""
    from appliance.domain.models import Notification, SlaPolicy

    SlaPolicy.update(hours={"tz": "UTC", "weekly": {"0": [["09:00", "09:10"]]}},
                     targets={"first_response": {"normal": 525600}}).where(SlaPolicy.company == shop.company.id).execute()
    ticket, _ = shop.customer_message()
    theirs, _ = other.customer_message()
    clock.advance(minutes=61)
    api = make_client(shop.agent)
    listed = api.get("/api/v1/tickets")
    assert listed.status_code == 200 and listed.get_json()["items"][0]["sla"] is None
    detail = api.get(f"/api/v1/tickets/{ticket.id}")
    assert detail.status_code == 200 and detail.get_json()["sla"]["targets"] == []

    caplog.clear()
    fired = hearth.sla.check_due()
    assert [(e.ticket_id, e.kind) for e in fired] == [(theirs.id, "warning"), (theirs.id, "breach")]
    assert Ticket.get_by_id(theirs.id).priority == "high"
    assert Notification.select().where(Notification.company == other.company.id).count() == 1
    logged = [r.getMessage() for r in caplog.records if r.name == "appliance.services.sla"]
    assert len(logged) == 1 and f"company {shop.company.id}:" in logged[0] and "1 ticket(s)" in logged[0]


def test_a_company_whose_sla_check_fails_otherwise_is_logged_and_skipped(hearth, shop, other, clock, caplog,
                                                                         monkeypatch):
    policy = hearth.sla.policy

    def failing(row):
        if row.company_id == shop.company.id:
            raise RuntimeError("a policy no version of Hearth wrote")
        return policy(row)

    monkeypatch.setattr(hearth.sla, "policy", failing)
    shop.customer_message()
    theirs, _ = other.customer_message()
    clock.advance(minutes=61)
    assert [(e.ticket_id, e.kind) for e in hearth.sla.check_due()] == [(theirs.id, "warning"), (theirs.id, "breach")]
    assert [r.getMessage() for r in caplog.records if r.name == "appliance.services.sla"] == \
        [f"company {shop.company.id}: the SLA check failed; the other companies were checked"]

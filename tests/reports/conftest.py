"""A Hearth on a fixed clock, and a known month of support built through the real services."""
from __future__ import annotations

from datetime import datetime

import pytest

from appliance.app import create_app
from appliance.db import close_database
from tests.clock import Clock
from tests.conftest import Tenant


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 1, 12, 0))  # the day before the week build_week fills


@pytest.fixture
def app(settings, clock):
    # The AI never answers by itself here (the spawned reply is dropped): each AI answer is stored
    # through the same service the responder uses, with the figures the test needs.
    app = create_app(settings, async_mode="threading", spawn=lambda *args: None, clock=clock)
    app.config["TESTING"] = True
    yield app
    close_database()


def ai_answer(services, tenant, ticket, *, provider, model, latency_ms, cached):
    services.tickets.post_ai_message(tenant.company, ticket, body="Here is how that works.",
                                     metadata={"provider": provider, "model": model, "latency_ms": latency_ms,
                                               "cached": cached, "sources": []})


def build_week(services, clock, slug="acme") -> dict:
    """Six tickets from Monday 2 to Wednesday 4 November 2026 (UTC); the figures each test expects
    are worked out by hand in the tests."""
    t = Tenant(services, slug, ai=True)
    svc = services
    clock.at("2026-11-01T08:00")
    svc.sla.set_policy(t.company, t.admin, targets={"first_response": {"normal": 15}})

    def customer_message(text):
        ticket, _ = t.customer_message(text)
        return ticket

    # T1: Monday 09:00, agent answers after 10 min, resolved after 60, rated 5
    clock.at("2026-11-02T09:00")
    t1 = customer_message("Where is my order?")
    clock.at("2026-11-02T09:10")
    svc.tickets.reply(t.company, t.agent, t1.id, body="On its way.")
    clock.at("2026-11-02T10:00")
    svc.tickets.update(t.company, t.agent, t1.id, status="resolved")
    clock.at("2026-11-02T10:05")
    svc.csat.rate(t.company, t1.customer, t1.id, score=5, comment="Quick!")

    # T2: Monday 11:00, first answer after 30 min (the 15-minute target breaches), resolved Tuesday 11:00, rated 3
    clock.at("2026-11-02T11:00")
    t2 = customer_message("My bike has a flat tyre")
    clock.at("2026-11-02T11:20")
    svc.sla.check_due()
    clock.at("2026-11-02T11:30")
    svc.tickets.reply(t.company, t.agent, t2.id, body="Bring it in.")
    clock.at("2026-11-03T11:00")
    svc.tickets.update(t.company, t.admin, t2.id, status="resolved")
    svc.csat.rate(t.company, t2.customer, t2.id, score=3)

    # T3: Tuesday 14:00, answered after 5 min, a follow-up at 14:10, still open
    clock.at("2026-11-03T14:00")
    t3 = customer_message("Do you sell helmets?")
    clock.at("2026-11-03T14:05")
    svc.tickets.reply(t.company, t.agent, t3.id, body="Yes, many.")
    clock.at("2026-11-03T14:10")
    t.customer_message("Which sizes?", customer=t3.customer)

    # T4: Tuesday 15:00, the AI answers (2 s, not cached); the customer closes it as solved at 15:01, rated 4
    clock.at("2026-11-03T15:00")
    t4 = customer_message("What are your opening hours?")
    ai_answer(svc, t, t4, provider="ollama", model="llama3.2:3b", latency_ms=2000, cached=False)
    clock.at("2026-11-03T15:01")
    svc.csat.resolve_by_ai(t.company, t4.customer, t4.id)
    svc.csat.rate(t.company, t4.customer, t4.id, score=4)

    # T5: Wednesday 09:00, a cached AI answer (100 ms); solved by the AI at 09:02, not rated
    clock.at("2026-11-04T09:00")
    t5 = customer_message("When do you open?")
    ai_answer(svc, t, t5, provider="ollama", model="llama3.2:3b", latency_ms=100, cached=True)
    clock.at("2026-11-04T09:02")
    svc.csat.resolve_by_ai(t.company, t5.customer, t5.id)

    # T6: Wednesday 10:00, an extractive AI answer (300 ms), handed over, a person answers after 20 min
    # (breach), resolved after 40, rated 1
    clock.at("2026-11-04T10:00")
    t6 = customer_message("Can I pay in instalments?")
    ai_answer(svc, t, t6, provider="extractive", model="extractive", latency_ms=300, cached=False)
    svc.tickets.hand_over(t.company, t6, reason="not sure", customer_notice="A person will answer.")
    clock.at("2026-11-04T10:16")
    svc.sla.check_due()
    clock.at("2026-11-04T10:20")
    svc.tickets.reply(t.company, t.agent, t6.id, body="Yes, over 12 months.")
    clock.at("2026-11-04T10:40")
    svc.tickets.update(t.company, t.agent, t6.id, status="resolved")
    svc.csat.rate(t.company, t6.customer, t6.id, score=1, comment="Too slow")
    clock.at("2026-11-10T12:00")
    return {"tenant": t, "tickets": [t1, t2, t3, t4, t5, t6]}

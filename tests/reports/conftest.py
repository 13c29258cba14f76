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
    """An AI answer from the help articles (as the responder's: it cites the article it drew on)."""
    services.tickets.post_ai_message(tenant.company, ticket, body="Here is how that works [1].",
                                     metadata={"provider": provider, "model": model, "latency_ms": latency_ms,
                                               "cached": cached,
                                               "sources": [{"article_id": 1, "title": "How it works", "score": 0.8}]})


def build_week(services, clock, slug="acme") -> dict:
    """Six tickets from Monday 2 to Wednesday 4 November 2026 (UTC); the figures each test expects
    are worked out by hand in the tests."""
    t = Tenant(services, slug)  # the AI is off until Tuesday afternoon: people answer T1 to T3
    svc = services
    clock.at("2026-11-01T08:00")
    svc.sla.set_policy(t.company, t.admin, targets={"first_response": {"normal": 15}})

    # Each step of the week happens at the time it is given (the clock is set first).
    def asks(when, text, customer=None):
        """The customer writes ``text``: a new ticket, or ``customer``'s follow-up on theirs."""
        clock.at(when)
        ticket, _ = t.customer_message(text, customer=customer)
        return ticket

    def answers(when, ticket, body):
        """The agent replies to the customer."""
        clock.at(when)
        svc.tickets.reply(t.company, t.agent, ticket.id, body=body)

    def resolves(when, ticket, by):
        """``by`` (the agent or the admin) marks the ticket resolved."""
        clock.at(when)
        svc.tickets.update(t.company, by, ticket.id, status="resolved")

    def solved_by_ai(when, ticket):
        """The customer says the AI's answer solved it."""
        clock.at(when)
        svc.csat.resolve_by_ai(t.company, ticket.customer, ticket.id)

    def rates(when, ticket, score, comment=None):
        """The customer rates their resolved ticket."""
        clock.at(when)
        svc.csat.rate(t.company, ticket.customer, ticket.id, score=score, comment=comment)

    def sla_check(when):
        """The scheduler's SLA check runs."""
        clock.at(when)
        svc.sla.check_due()

    # T1: Monday 09:00, agent answers after 10 min, resolved after 60, rated 5
    t1 = asks("2026-11-02T09:00", "Where is my order?")
    answers("2026-11-02T09:10", t1, "On its way.")
    resolves("2026-11-02T10:00", t1, by=t.agent)
    rates("2026-11-02T10:05", t1, 5, comment="Quick!")

    # T2: Monday 11:00, first answer after 30 min (the 15-minute target breaches), resolved Tuesday 11:00, rated 3
    t2 = asks("2026-11-02T11:00", "My bike has a flat tyre")
    sla_check("2026-11-02T11:20")
    answers("2026-11-02T11:30", t2, "Bring it in.")
    resolves("2026-11-03T11:00", t2, by=t.admin)
    rates("2026-11-03T11:00", t2, 3)

    # T3: Tuesday 14:00, answered after 5 min, a follow-up at 14:10, still open
    t3 = asks("2026-11-03T14:00", "Do you sell helmets?")
    answers("2026-11-03T14:05", t3, "Yes, many.")
    asks("2026-11-03T14:10", "Which sizes?", customer=t3.customer)

    clock.at("2026-11-03T14:30")
    t.company = svc.companies.update(t.company, t.admin, settings={"ai_enabled": True})

    # T4: Tuesday 15:00, the AI answers (2 s, not cached); the customer closes it as solved at 15:01, rated 4
    t4 = asks("2026-11-03T15:00", "What are your opening hours?")
    ai_answer(svc, t, t4, provider="ollama", model="llama3.2:3b", latency_ms=2000, cached=False)
    solved_by_ai("2026-11-03T15:01", t4)
    rates("2026-11-03T15:01", t4, 4)

    # T5: Wednesday 09:00, a cached AI answer (100 ms); solved by the AI at 09:02, not rated
    t5 = asks("2026-11-04T09:00", "When do you open?")
    ai_answer(svc, t, t5, provider="ollama", model="llama3.2:3b", latency_ms=100, cached=True)
    solved_by_ai("2026-11-04T09:02", t5)

    # T6: Wednesday 10:00, an extractive AI answer (300 ms), handed over, a person answers after 20 min
    # (breach), resolved after 40, rated 1
    t6 = asks("2026-11-04T10:00", "Can I pay in instalments?")
    ai_answer(svc, t, t6, provider="extractive", model="extractive", latency_ms=300, cached=False)
    svc.tickets.hand_over(t.company, t6, reason="not sure", customer_notice="A person will answer.")
    sla_check("2026-11-04T10:16")
    answers("2026-11-04T10:20", t6, "Yes, over 12 months.")
    resolves("2026-11-04T10:40", t6, by=t.agent)
    rates("2026-11-04T10:40", t6, 1, comment="Too slow")
    clock.at("2026-11-10T12:00")
    return {"tenant": t, "tickets": [t1, t2, t3, t4, t5, t6]}

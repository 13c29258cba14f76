"""Data retention: per company, off by default; deletes or anonymises conversations whose last
message is older than N days, audited; the daily job calls it. Time is injected."""
from __future__ import annotations

from datetime import timedelta

import pytest

from appliance import jobs
from appliance.db import database
from appliance.domain.models import AuditEntry, Customer, Message, Ticket, utcnow
from appliance.events import EventBus
from appliance.services import Services


@pytest.fixture
def later(settings):
    """Services whose clock stands 31 days from now."""
    now = utcnow() + timedelta(days=31)
    return Services.build(settings, EventBus(), lambda: now, with_ai=False)


def _conversation(tenant, text, name="Kari Nordmann", email="kari@example.com"):
    ticket, _ = tenant.customer_message(text)
    Customer.update(name=name, email=email).where(Customer.id == ticket.customer_id).execute()
    tenant.services.tickets.reply(tenant.company, tenant.agent, ticket.id, body="Thanks Kari, we're on it.")
    return Ticket.get_by_id(ticket.id)


def search_index_matches_messages() -> bool:
    """FTS5's own check that the message search index holds exactly the messages' current text
    (it raises when a deleted or rewritten message left words behind)."""
    database.execute_sql("INSERT INTO message_fts (message_fts, rank) VALUES ('integrity-check', 1)")
    return True


def test_retention_is_off_by_default(acme, later):
    _conversation(acme, "Where is my order #4411?")
    assert later.retention.apply_all() == {}
    assert Ticket.select().count() == 1


def test_delete_removes_old_conversations_of_that_company_only(acme, globex, later, services):
    services.companies.update(acme.company, acme.admin, settings={"retention_days": 30})
    old = _conversation(acme, "Where is my order #4411?")
    recent = _conversation(acme, "Do you sell helmets?", name="Ola")
    Ticket.update(last_message_at=utcnow() + timedelta(days=10)).where(Ticket.id == recent.id).execute()
    foreign = _conversation(globex, "Old question at globex")

    jobs.apply_retention(later)  # the daily job

    assert Ticket.get_or_none(Ticket.id == old.id) is None
    assert Message.select().where(Message.ticket == old.id).count() == 0
    assert Customer.get_or_none(Customer.id == old.customer_id) is None  # no conversation left: gone too
    assert Ticket.get_or_none(Ticket.id == recent.id) is not None
    assert Ticket.get_or_none(Ticket.id == foreign.id) is not None  # globex keeps everything (off)
    assert search_index_matches_messages()  # the cascade took the deleted messages out of the index
    [entry] = AuditEntry.select().where(AuditEntry.action == "retention.applied")
    assert entry.company_id == acme.company.id and entry.actor_kind == "system"
    assert entry.details == {"days": 30, "mode": "delete", "deleted": 1, "anonymised": 0}


def test_anonymise_keeps_the_conversation_without_personal_data(acme, later, services):
    services.companies.update(acme.company, acme.admin,
                              settings={"retention_days": 30, "retention_action": "anonymise"})
    ticket = _conversation(acme, "I'm Kari Nordmann, kari@example.com, +47 912 34 567, order #4411 is late")
    assert later.retention.apply(acme.company) == {"deleted": 0, "anonymised": 1}
    bodies = [m.body for m in Message.select().where(Message.ticket == ticket.id).order_by(Message.id)]
    assert bodies == ["I'm [NAME], [EMAIL], [PHONE], order #[ORDER] is late", "Thanks [NAME], we're on it."]
    ticket = Ticket.get_by_id(ticket.id)
    assert ticket.anonymised_at is not None and ticket.entities == {}
    assert "Kari" not in ticket.subject + ticket.last_message_preview
    customer = Customer.get_by_id(ticket.customer_id)
    assert (customer.name, customer.email) == ("Anonymised visitor", "")
    for personal in ("Nordmann", "kari@example.com", "912"):  # gone from the inbox search as well
        assert later.tickets.list(acme.company, viewer=acme.agent, q=personal) == ([], 0)
    assert search_index_matches_messages()
    assert later.retention.apply(acme.company) == {"deleted": 0, "anonymised": 0}  # once only
    assert AuditEntry.select().where(AuditEntry.action == "retention.applied").count() == 1


def test_the_setting_is_per_company_and_validated(acme, globex, make_client):
    admin = make_client(acme.admin)
    changed = admin.patch("/api/v1/company", json={"settings": {"retention_days": 90,
                                                                "retention_action": "anonymise"}})
    assert changed.status_code == 200
    assert changed.get_json()["settings"]["retention_days"] == 90
    theirs = make_client(globex.admin).get("/api/v1/company").get_json()["settings"]
    assert (theirs["retention_days"], theirs["retention_action"]) == (0, "delete")
    for bad in ({"retention_days": -1}, {"retention_days": "30"}, {"retention_days": True},
                {"retention_days": 1.5}, {"retention_action": "shred"}):
        response = admin.patch("/api/v1/company", json={"settings": bad})
        assert response.status_code == 422, bad
        assert next(iter(bad)) in str(response.get_json()["error"])
    assert make_client(acme.agent).patch("/api/v1/company",
                                         json={"settings": {"retention_days": 1}}).status_code == 403

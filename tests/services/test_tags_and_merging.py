import pytest

from appliance import events
from appliance.domain.models import AuditEntry, Message, Ticket, TicketMerge, TicketTag
from appliance.errors import BadRequest, Conflict, NotFound
from appliance.services.base import Service


def test_tags_are_normalised_added_once_removed_and_filter_the_list(acme, globex, services):
    t1, _ = acme.customer_message("refund please")
    t2, _ = acme.customer_message("another one")
    services.tags.add(acme.company, acme.agent, t1.id, "  Billing  Issue ")
    services.tags.add(acme.company, acme.agent, t1.id, "vip")
    assert services.tags.add(acme.company, acme.agent, t1.id, "VIP").tag_names == ["billing-issue", "vip"]
    services.tags.add(acme.company, acme.agent, t2.id, "vip")
    g1, _ = globex.customer_message("globex")
    services.tags.add(globex.company, globex.agent, g1.id, "vip")

    items, total = services.tickets.list(acme.company, viewer=acme.agent, tags=["vip"])
    assert total == 2 and {t.id for t in items} == {t1.id, t2.id}
    items, _ = services.tickets.list(acme.company, viewer=acme.agent, tags=["vip", "Billing Issue"])
    assert [t.id for t in items] == [t1.id]
    assert services.tags.vocabulary(acme.company) == [("vip", 2), ("billing-issue", 1)]

    assert services.tags.remove(acme.company, acme.agent, t1.id, "vip").tag_names == ["billing-issue"]
    assert services.tags.remove(acme.company, acme.agent, t1.id, "vip").tag_names == ["billing-issue"]
    audit = AuditEntry.select().where((AuditEntry.company == acme.company)
                                      & AuditEntry.action.in_(["ticket.tagged", "ticket.untagged"]))
    assert [(a.action, a.details["tag"]) for a in audit.order_by(AuditEntry.id)] == [
        ("ticket.tagged", "billing-issue"), ("ticket.tagged", "vip"), ("ticket.tagged", "vip"),
        ("ticket.untagged", "vip")]


@pytest.mark.parametrize("tag", ["", "   ", "no/slash", "-dash-first", "x" * 41, 7, "<b>"])
def test_bad_tags_are_refused(acme, services, tag):
    ticket, _ = acme.customer_message()
    with pytest.raises(BadRequest) as error:
        services.tags.add(acme.company, acme.agent, ticket.id, tag)
    assert "tag" in error.value.fields
    assert TicketTag.select().count() == 0


def test_unicode_tags_and_foreign_tickets(acme, globex, services):
    ticket, _ = acme.customer_message()
    assert services.tags.add(acme.company, acme.agent, ticket.id, "Größe").tag_names == ["größe"]
    theirs, _ = globex.customer_message()
    with pytest.raises(NotFound):
        services.tags.add(acme.company, acme.agent, theirs.id, "vip")
    with pytest.raises(NotFound):
        services.tags.remove(acme.company, acme.agent, theirs.id, "vip")
    assert services.tags.vocabulary(globex.company) == []


@pytest.fixture
def app(clocked_app):
    return clocked_app


def two_tickets(acme, services, clock):
    """One customer's two tickets whose messages interleave in time."""
    customer, _ = services.customers.start_visit(acme.company)
    old, _ = acme.customer_message("first: order 1", customer=customer)
    clock.advance(minutes=1)
    services.tickets.update(acme.company, acme.agent, old.id, status="resolved")
    clock.advance(minutes=1)
    new, _ = acme.customer_message("second: order 2", customer=customer)
    clock.advance(minutes=1)
    services.tickets.update(acme.company, acme.agent, new.id, status="resolved")
    clock.advance(minutes=1)
    services.tickets.update(acme.company, acme.agent, old.id, status="open")
    services.tickets.reply(acme.company, acme.agent, old.id, body="third: reply on the first")
    clock.advance(minutes=1)
    services.tickets.reply(acme.company, acme.agent, new.id, body="fourth: note on the second", private=True)
    services.tags.add(acme.company, acme.agent, new.id, "order")
    return old, new


def test_merge_moves_messages_in_time_order_closes_the_source_and_is_audited(acme, services, clock):
    target, source = two_tickets(acme, services, clock)
    seen = []
    for name in (events.TICKET_MERGED, events.TICKET_UPDATED, events.MESSAGE_CREATED):
        services.bus.subscribe(name, lambda n, e: seen.append(n))
    clock.advance(minutes=1)
    source, target = services.merges.merge(acme.company, acme.agent, source.id, target.id)

    bodies = [m.body for m in services.tickets.messages(target, include_private=True)]
    assert bodies[:4] == ["first: order 1", "second: order 2", "third: reply on the first",
                          "fourth: note on the second"]
    assert bodies[4] == f"Ticket #{source.number} was merged into this one (2 messages moved)."
    assert source.status == "closed" and source.resolved_at is not None
    assert [m.body for m in services.tickets.messages(source, include_private=True)] == [
        f"Merged into ticket #{target.number}; the conversation continues there."]
    note = services.tickets.messages(source, include_private=True)[0]
    assert note.metadata["merged_into"] == {"id": target.id, "number": target.number}
    assert services.tags.names(target) == ["order"]
    assert target.last_message_preview == "third: reply on the first"  # notes never become the preview
    audit = AuditEntry.get(AuditEntry.action == "ticket.merged")
    assert audit.target_id == source.id and audit.details["into_ticket_id"] == target.id
    assert audit.details["moved_messages"] == 2 and audit.actor_user_id == acme.agent.id
    assert seen.count(events.TICKET_MERGED) == 1 and seen.count(events.TICKET_UPDATED) == 2
    # the widget shows the conversation that lives on, not the emptied ticket
    assert services.tickets.current_for(target.customer).id == target.id


def test_merge_refusals(acme, globex, services, clock):
    target, source = two_tickets(acme, services, clock)
    other, _ = acme.customer_message("someone else")
    theirs, _ = globex.customer_message("globex")
    with pytest.raises(BadRequest, match="itself"):
        services.merges.merge(acme.company, acme.agent, source.id, source.id)
    with pytest.raises(Conflict, match="different customers"):
        services.merges.merge(acme.company, acme.agent, source.id, other.id)
    with pytest.raises(NotFound):
        services.merges.merge(acme.company, acme.agent, source.id, theirs.id)
    with pytest.raises(NotFound):
        services.merges.merge(acme.company, acme.agent, theirs.id, source.id)
    assert Message.select().where(Message.ticket == source).count() == 2
    services.merges.merge(acme.company, acme.agent, source.id, target.id)
    with pytest.raises(Conflict, match="already merged"):
        services.merges.merge(acme.company, acme.agent, source.id, target.id)
    with pytest.raises(Conflict, match="already merged"):
        services.merges.merge(acme.company, acme.agent, target.id, source.id)


def test_a_merge_failing_halfway_leaves_nothing_written(acme, services, clock, monkeypatch):
    target, source = two_tickets(acme, services, clock)
    before = {m.id: m.ticket_id for m in Message.select()}

    def broken_audit(self, *args, **kwargs):  # the last write of the transaction fails
        raise RuntimeError("disk full")

    monkeypatch.setattr(Service, "audit", broken_audit)
    with pytest.raises(RuntimeError):
        services.merges.merge(acme.company, acme.agent, source.id, target.id)
    assert {m.id: m.ticket_id for m in Message.select()} == before
    assert Ticket.get_by_id(source.id).status == "resolved"
    assert TicketMerge.select().count() == 0
    assert [t.name for t in TicketTag.select().where(TicketTag.ticket == target.id)] == []
    items, _ = services.tickets.list(acme.company, viewer=acme.agent, q="second")
    assert [t.id for t in items] == [source.id]  # the search index rolled back too


def test_a_merged_away_ticket_takes_no_status_change_or_reply_and_never_gets_the_customers_messages(
        acme, services, clock):
    customer, _ = services.customers.start_visit(acme.company)
    target, _ = acme.customer_message("first", customer=customer)
    services.tickets.update(acme.company, acme.agent, target.id, status="resolved")
    source, _ = acme.customer_message("second", customer=customer)
    services.merges.merge(acme.company, acme.agent, source.id, target.id)
    target = Ticket.get_by_id(target.id)
    points_there = f"merged into ticket #{target.number} \\(id {target.id}\\)"
    with pytest.raises(Conflict, match=points_there):
        services.tickets.update(acme.company, acme.agent, source.id, status="open")
    with pytest.raises(Conflict, match=points_there):
        services.tickets.reply(acme.company, acme.agent, source.id, body="Hello?")
    services.tickets.reply(acme.company, acme.agent, source.id, body="see the other one", private=True)
    services.tickets.update(acme.company, acme.agent, source.id, priority="high")  # harmless: allowed
    assert Ticket.get_by_id(source.id).status == "closed"

    Ticket.update(status="open").where(Ticket.id == source.id).execute()  # reopened before Hearth refused it
    ticket, _ = acme.customer_message("third", customer=customer)
    assert ticket.id == target.id


def test_merge_refusals_name_tickets_by_number_and_id(acme, services, clock):
    target, source = two_tickets(acme, services, clock)
    services.merges.merge(acme.company, acme.agent, source.id, target.id)
    with pytest.raises(Conflict) as refused:
        services.merges.merge(acme.company, acme.agent, source.id, target.id)
    assert str(refused.value) == (f"#{source.number} (id {source.id}) was already merged into "
                                  f"#{target.number} (id {target.id}); use #{target.number} (id {target.id}) instead")


def test_a_conversation_the_people_had_merged_into_one_the_ai_handles_stays_with_the_people(acme, services, clock):
    customer, _ = services.customers.start_visit(acme.company)
    source, _ = acme.customer_message("first", customer=customer)  # with the people (the AI is off here)
    Ticket.update(status="resolved").where(Ticket.id == source.id).execute()
    target, _ = acme.customer_message("second", customer=customer)
    Ticket.update(status="bot", queued_at=None).where(Ticket.id == target.id).execute()  # the AI answers it
    Ticket.update(status="open").where(Ticket.id == source.id).execute()
    assert Ticket.get_by_id(source.id).queued_at is not None
    services.merges.merge(acme.company, acme.agent, source.id, target.id)
    merged = Ticket.get_by_id(target.id)
    assert merged.status == "open" and merged.queued_at == Ticket.get_by_id(source.id).queued_at

import pytest

from appliance import events
from appliance.domain.models import AuditEntry, Message, Ticket
from appliance.errors import BadRequest, NotFound
from tests.statements import serialized_tickets, statements


def test_first_customer_message_opens_a_numbered_ticket_waiting_for_an_agent(acme, services):
    ticket, message = acme.customer_message("My bike chain snapped")
    assert ticket.number == 1 and ticket.status == "open" and ticket.channel == "widget"
    assert ticket.subject == "My bike chain snapped"
    assert ticket.waiting_since == message.created_at
    assert message.author_role == "customer" and not message.private
    second, _ = acme.customer_message("Another question")
    assert second.number == 2


def test_ticket_numbers_are_per_company(acme, globex):
    acme.customer_message()
    acme.customer_message()
    ticket, _ = globex.customer_message()
    assert ticket.number == 1


def test_resending_a_client_id_stores_nothing_new(acme, services):
    customer, _ = services.customers.start_visit(acme.company)
    first = services.tickets.post_customer_message(acme.company, customer, text="hi", client_id="abc")
    again = services.tickets.post_customer_message(acme.company, customer, text="hi", client_id="abc")
    assert again[1].id == first[1].id and again[2] is False
    assert Message.select().count() == 1


def test_following_messages_join_the_open_ticket(acme, services):
    customer, _ = services.customers.start_visit(acme.company)
    t1, _ = acme.customer_message("one", customer=customer)
    t2, _ = acme.customer_message("two", customer=customer)
    assert t1.id == t2.id
    services.tickets.update(acme.company, acme.agent, t1.id, status="resolved")
    t3, _ = acme.customer_message("three", customer=customer)
    assert t3.id != t1.id


def test_agent_reply_records_first_response_and_takes_the_ticket(acme, services):
    ticket, _ = acme.customer_message()
    services.tickets.reply(acme.company, acme.agent, ticket.id, body="On its way")
    ticket = Ticket.get_by_id(ticket.id)
    assert ticket.first_response_at is not None
    assert ticket.waiting_since is None
    assert ticket.assignee_id == acme.agent.id


def test_private_note_changes_no_customer_facing_timestamps(acme, services):
    ticket, _ = acme.customer_message()
    note = services.tickets.reply(acme.company, acme.agent, ticket.id, body="VIP customer", private=True)
    ticket = Ticket.get_by_id(ticket.id)
    assert note.private
    assert ticket.first_response_at is None and ticket.waiting_since is not None
    assert services.tickets.messages(ticket, include_private=False)[-1].id != note.id


def test_status_changes_keep_timestamps_and_audit(acme, services):
    ticket, _ = acme.customer_message()
    ticket = services.tickets.update(acme.company, acme.admin, ticket.id, status="resolved", priority="high")
    assert ticket.resolved_at is not None and ticket.priority == "high"
    ticket = services.tickets.update(acme.company, acme.admin, ticket.id, status="open")
    assert ticket.resolved_at is None
    actions = [e.action for e in AuditEntry.select().where(AuditEntry.target_type == "ticket")]
    assert actions == ["ticket.updated", "ticket.updated"]


def test_events_are_published_after_commit(acme, services):
    seen = []
    for name in (events.TICKET_CREATED, events.MESSAGE_CREATED, events.TICKET_UPDATED):
        services.bus.subscribe(name, lambda n, e: seen.append(n))
    ticket, _ = acme.customer_message()
    services.tickets.reply(acme.company, acme.agent, ticket.id, body="Hello")
    assert seen == ["ticket.created", "message.created", "message.created", "ticket.updated"]


def test_another_companys_ticket_is_not_found(acme, globex, services):
    ticket, _ = acme.customer_message()
    with pytest.raises(NotFound):
        services.tickets.get(globex.company, ticket.id)
    with pytest.raises(NotFound):
        services.tickets.reply(globex.company, globex.agent, ticket.id, body="hijack")
    with pytest.raises(NotFound):
        services.tickets.update(globex.company, globex.agent, ticket.id, status="closed")
    assert Message.select().where(Message.ticket == ticket.id).count() == 1


def test_cannot_assign_to_another_companys_agent(acme, globex, services):
    ticket, _ = acme.customer_message()
    with pytest.raises(BadRequest, match="assignee_id"):
        services.tickets.update(acme.company, acme.admin, ticket.id, assignee_id=globex.agent.id)


def test_lists_are_scoped_and_filtered(acme, globex, services):
    t1, _ = acme.customer_message("refund please")
    acme.customer_message("shipping question")
    globex.customer_message("refund for globex")
    services.tickets.update(acme.company, acme.admin, t1.id, assignee_id=acme.agent.id)
    items, total = services.tickets.list(acme.company, viewer=acme.agent)
    assert total == 2
    items, total = services.tickets.list(acme.company, viewer=acme.agent, q="refund")
    assert [t.id for t in items] == [t1.id]
    items, _ = services.tickets.list(acme.company, viewer=acme.agent, assignee="me")
    assert [t.id for t in items] == [t1.id]
    items, _ = services.tickets.list(acme.company, viewer=acme.agent, assignee="unassigned")
    assert t1.id not in [t.id for t in items]


@pytest.mark.parametrize("text, problem", [
    ("", "must not be empty"),
    ("   \n ", "must not be empty"),
    (None, "must be a string"),
    (12, "must be a string"),
    ("x" * 5001, "the limit is 5000"),
])
def test_bad_customer_text_is_refused_and_nothing_is_written(acme, services, text, problem):
    customer, _ = services.customers.start_visit(acme.company)
    with pytest.raises(BadRequest, match=problem):
        services.tickets.post_customer_message(acme.company, customer, text=text, client_id="x1")
    assert Ticket.select().count() == 0 and Message.select().count() == 0


def test_control_characters_are_stripped_but_emoji_kept(acme, services):
    customer, _ = services.customers.start_visit(acme.company)
    _, message, _ = services.tickets.post_customer_message(
        acme.company, customer, text="hi\x00\x07 there 👩‍👩‍👧", client_id="e1")
    assert message.body == "hi there 👩‍👩‍👧"


def test_a_message_on_an_open_ticket_publishes_it_with_its_assignee_and_tags(acme, globex, services):
    """The ticket a customer's message publishes (with the message, e.g. for the message.created
    webhook) serializes exactly like the ticket read afresh: no assignee and no tags, then an
    assignee and tags (listed by name)."""
    from appliance import serializers

    published = []
    services.bus.subscribe(events.MESSAGE_CREATED, lambda _n, e: published.append(serializers.ticket(e["ticket"])))
    customer, _ = services.customers.start_visit(acme.company)
    ticket, _ = acme.customer_message("one", customer=customer)
    acme.customer_message("two", customer=customer)
    assert published[-1]["assignee"] is None and published[-1]["tags"] == []
    assert published[-1] == serializers.ticket(services.tickets.get(acme.company, ticket.id))

    services.tickets.update(acme.company, acme.admin, ticket.id, assignee_id=acme.agent.id)
    for name in ("zeta", "alpha", "mid"):
        services.tags.add(acme.company, acme.agent, ticket.id, name)
    other, _ = globex.customer_message("globex")
    services.tags.add(globex.company, globex.agent, other.id, "beta")
    acme.customer_message("three", customer=customer)
    assert published[-1]["assignee"] == {"id": acme.agent.id, "name": acme.agent.name}
    assert published[-1]["tags"] == ["alpha", "mid", "zeta"]
    assert published[-1] == serializers.ticket(services.tickets.get(acme.company, ticket.id))


def test_a_follow_up_is_news_of_its_own_unless_it_changes_the_ticket(acme, services):
    """A follow-up that only moves the last message and the waiting time publishes the message
    alone; one that reopens a pending ticket publishes the status change too."""
    seen = []
    for name in (events.TICKET_CREATED, events.TICKET_UPDATED, events.MESSAGE_CREATED):
        services.bus.subscribe(name, lambda n, e: seen.append((n, e.get("changes"))))
    customer, _ = services.customers.start_visit(acme.company)
    ticket, _ = acme.customer_message("one", customer=customer)
    acme.customer_message("two", customer=customer)
    assert seen == [("ticket.created", None), ("message.created", None), ("message.created", None)]
    services.tickets.update(acme.company, acme.agent, ticket.id, status="pending")
    seen.clear()
    acme.customer_message("three", customer=customer)
    assert seen == [("ticket.updated", {"status": ["pending", "open"]}), ("message.created", None)]


def test_a_first_reply_publishes_its_assignment_as_every_assignment_is_published(acme, services):
    """The reply that gives an unassigned ticket to its author says so as [before, after], like a
    change of assignee through update(); a later reply changes nothing."""
    seen = []
    services.bus.subscribe(events.TICKET_UPDATED, lambda n, e: seen.append(e["changes"]))
    ticket, _ = acme.customer_message("hello")
    services.tickets.reply(acme.company, acme.agent, ticket.id, body="Hi there")
    services.tickets.reply(acme.company, acme.agent, ticket.id, body="Anything else?")
    assert seen == [{"assignee_id": [None, acme.agent.id]}, {}]


def test_a_resend_changes_nothing_even_when_it_would_open_or_reopen_a_ticket(acme, services):
    """A resent client_id answers the stored message: it opens no ticket (its first ticket was
    resolved), takes no number, moves no status, and is answered even if its text is refused now."""
    customer, _ = services.customers.start_visit(acme.company)
    ticket, first, _ = services.tickets.post_customer_message(acme.company, customer, text="hi", client_id="r1")
    services.tickets.update(acme.company, acme.agent, ticket.id, status="pending")
    again = services.tickets.post_customer_message(acme.company, customer, text="hi", client_id="r1")
    assert (again[0].id, again[1].id, again[2]) == (ticket.id, first.id, False)
    assert Ticket.get_by_id(ticket.id).status == "pending"

    services.tickets.update(acme.company, acme.agent, ticket.id, status="resolved")
    again = services.tickets.post_customer_message(acme.company, customer, text="x" * 100_000, client_id="r1")
    assert (again[1].id, again[2]) == (first.id, False)
    again = services.tickets.post_customer_message(acme.company, customer, text="hi", client_id="r1")
    assert (again[0].id, again[1].id, again[2]) == (ticket.id, first.id, False)
    assert Ticket.select().count() == 1 and Message.select().count() == 1
    assert Ticket.get_by_id(ticket.id).status == "resolved"
    new, _, stored = services.tickets.post_customer_message(acme.company, customer, text="hi", client_id="r2")
    assert stored and new.id != ticket.id and new.number == ticket.number + 1


def test_a_prepared_select_reuses_its_text_and_refuses_parameters_it_was_not_given(acme, services):
    from appliance.db import PreparedSelect

    by_customer = PreparedSelect(Ticket, lambda customer_id: Ticket.select().where(Ticket.customer == customer_id))
    customer, _ = services.customers.start_visit(acme.company)
    assert by_customer.first(customer.id) is None
    ticket, _ = acme.customer_message(customer=customer)
    found = by_customer.first(customer.id)
    assert (found.id, found.customer_id, found.created_at) == (ticket.id, customer.id, ticket.created_at)

    constant_inside = PreparedSelect(Ticket, lambda customer_id: Ticket.select().where(
        (Ticket.customer == customer_id) & (Ticket.status == "open")))
    with pytest.raises(ValueError):
        constant_inside.first(customer.id)

    # parameters used in another order than given are refused even when their values are equal
    swapped = PreparedSelect(Ticket, lambda ticket_id, company_id: Ticket.select().where(
        (Ticket.company == company_id) & (Ticket.id == ticket_id)))
    with pytest.raises(ValueError):
        swapped.first(1, 1)


def test_a_ticket_read_with_its_assignee_serializes_a_later_assignee(acme, services):
    """The assignee read with the open ticket is used only while it is still the ticket's assignee."""
    from appliance import serializers

    held = []
    services.bus.subscribe(events.MESSAGE_CREATED, lambda _n, e: held.append(e["ticket"]))
    customer, _ = services.customers.start_visit(acme.company)
    ticket, _ = acme.customer_message("one", customer=customer)
    services.tickets.update(acme.company, acme.admin, ticket.id, assignee_id=acme.agent.id)
    acme.customer_message("two", customer=customer)
    read = held[-1]  # the open ticket as the follow-up read it, with its assignee's name
    assert getattr(read, "assignee_person", None) == {"id": acme.agent.id, "name": acme.agent.name}
    assert serializers.ticket(read)["assignee"] == {"id": acme.agent.id, "name": acme.agent.name}
    read.assignee = acme.admin
    assert serializers.ticket(read)["assignee"] == {"id": acme.admin.id, "name": acme.admin.name}
    read.assignee = None
    assert serializers.ticket(read)["assignee"] is None


def test_an_ai_answer_finished_after_an_agent_took_over_stays_with_the_agents(acme, services):
    ticket, _ = acme.customer_message("Where is my order?")
    Ticket.update(status="bot").where(Ticket.id == ticket.id).execute()
    in_hand = Ticket.get_by_id(ticket.id)  # what the AI read before the model started writing
    services.tickets.reply(acme.company, acme.agent, ticket.id, body="I am on it.")  # meanwhile, a person

    answer = services.tickets.post_ai_message(acme.company, in_hand, body="It ships tomorrow.", metadata={})
    services.tickets.hand_over(acme.company, in_hand, reason="confidence 0.2", customer_notice="A person will answer.")

    stored = Ticket.get_by_id(ticket.id)
    assert stored.status == "open" and stored.assignee_id == acme.agent.id and stored.first_response_at
    assert answer.private and Message.get_by_id(answer.id).metadata["not_sent"]
    public = [m.body for m in Message.select().where((Message.ticket == ticket.id) & (Message.private == False))]  # noqa: E712
    assert public == ["Where is my order?", "I am on it."]  # neither the late answer nor a hand-over notice



def test_a_reply_publishes_its_ticket_as_read_afresh(acme, services):
    """The ticket an agent's reply publishes (read with its customer, tags and assignee in one
    query) serializes exactly like the ticket read afresh: on the first reply, which assigns it,
    and on later replies and notes by another agent, with tags."""
    from appliance import serializers

    published, serializing = serialized_tickets(services.bus, events.TICKET_UPDATED)
    customer, _ = services.customers.start_visit(acme.company)
    customer = services.customers.identify(customer, name="Ada", email="ada@example.test")
    ticket, _ = acme.customer_message("one", customer=customer)

    services.tickets.reply(acme.company, acme.agent, ticket.id, body="first")
    assert published[-1]["assignee"] == {"id": acme.agent.id, "name": acme.agent.name}
    assert published[-1] == serializers.ticket(services.tickets.get(acme.company, ticket.id))

    for name in ("zeta", "alpha"):
        services.tags.add(acme.company, acme.agent, ticket.id, name)
    for private in (False, True):
        services.tickets.reply(acme.company, acme.admin, ticket.id, body="more", private=private)
        assert published[-1]["assignee"] == {"id": acme.agent.id, "name": acme.agent.name}
        assert published[-1]["tags"] == ["alpha", "zeta"]
        assert published[-1] == serializers.ticket(services.tickets.get(acme.company, ticket.id))
    assert serializing == []  # everything it shows was read with the ticket


def test_a_reply_saves_only_what_it_changed(acme, services):
    """A change made meanwhile to a column the reply does not touch survives it."""
    ticket, _ = acme.customer_message()
    Ticket.update(priority="urgent", subject="changed meanwhile").where(Ticket.id == ticket.id).execute()
    services.tickets.reply(acme.company, acme.agent, ticket.id, body="On its way")
    stored = Ticket.get_by_id(ticket.id)
    assert (stored.priority, stored.subject, stored.customer_id) == ("urgent", "changed meanwhile", ticket.customer_id)


@pytest.mark.parametrize("ticket_id", ["1", 1.0, True, None, 0, -1, 2**63, 10_000])
def test_a_reply_to_a_ticket_id_that_names_no_ticket_is_not_found(acme, services, ticket_id):
    acme.customer_message()
    with pytest.raises(NotFound):
        services.tickets.reply(acme.company, acme.agent, ticket_id, body="hello")
    assert Message.select().count() == 1


def test_a_conversation_and_a_list_are_read_with_their_people(acme, services):
    """Messages come with their authors and listed tickets with their assignees: serializing them
    asks the database nothing more, and shows the same people as reading each one would."""
    from appliance import serializers
    from appliance.domain.models import User

    first, _ = acme.customer_message("one")
    second, _ = acme.customer_message("two")
    services.tickets.reply(acme.company, acme.agent, first.id, body="agent here")
    services.tickets.reply(acme.company, acme.admin, first.id, body="admin note", private=True)
    services.tickets.reply(acme.company, acme.admin, first.id, body="admin here")

    messages = services.tickets.messages(first, include_private=True)
    with statements() as ran:
        shown = [serializers.message(m) for m in messages]
        public = [serializers.public_message(m) for m in messages if not m.private]
    assert ran == []
    authors = {m["body"]: m["author"] for m in shown}
    assert authors == {"one": None, "agent here": {"id": acme.agent.id, "name": acme.agent.name},
                       "admin note": {"id": acme.admin.id, "name": acme.admin.name},
                       "admin here": {"id": acme.admin.id, "name": acme.admin.name}}
    assert [m["author_name"] for m in public] == ["You", acme.agent.name, acme.admin.name]

    items, total = services.tickets.list(acme.company, viewer=acme.agent)
    services.tags.attach(items)
    with statements() as ran:
        listed = {t["id"]: t["assignee"] for t in map(serializers.ticket, items)}
    assert ran == [] and total == 2
    assert listed == {first.id: {"id": acme.agent.id, "name": acme.agent.name}, second.id: None}
    User.update(name="Renamed").where(User.id == acme.agent.id).execute()
    items, _ = services.tickets.list(acme.company, viewer=acme.agent, assignee="me")
    assert [serializers.assignee(t) for t in items] == [{"id": acme.agent.id, "name": "Renamed"}]

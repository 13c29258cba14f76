import pytest

from appliance.domain.models import AuditEntry, CannedReply
from appliance.errors import BadRequest, Forbidden, NotFound
from appliance.services.canned_replies import check_template


def named_ticket(acme, services, name="Ada Lovelace", email="ada@example.com"):
    customer, _ = services.customers.start_visit(acme.company)
    services.customers.identify(customer, name=name, email=email) if name or email else None
    ticket, _ = acme.customer_message("My parcel is late", customer=customer)
    return services.tickets.get(acme.company, ticket.id)


def test_placeholders_render_with_the_ticket_the_customer_and_the_agent(acme, services):
    ticket = named_ticket(acme, services)
    reply = services.canned.create(acme.company, acme.agent, title="Greeting", shortcut="hi",
                                   body="Hi {{customer.first_name}} ({{ customer.name }}), about #{{ticket.number}}: "
                                        "{{agent.name}} of {{company.name}} here.")
    _, rendered = services.canned.render_for(acme.company, acme.agent, reply.id, ticket)
    assert rendered.body == (f"Hi Ada (Ada Lovelace), about #{ticket.number}: acme agent of Acme here.")
    assert rendered.fallbacks == []


def test_missing_values_take_a_fallback_or_the_one_written_in_the_template(acme, services):
    ticket = named_ticket(acme, services, name=None, email=None)
    assert ticket.customer.name == ""
    reply = services.canned.create(acme.company, acme.agent, title="Hello", shortcut="hello",
                                   body="Hello {{customer.name}}! / Dear {{customer.first_name|friend}}, {{customer.email}}")
    _, rendered = services.canned.render_for(acme.company, acme.agent, reply.id, ticket)
    assert rendered.body == "Hello there! / Dear friend, your email address"
    assert rendered.fallbacks == ["customer.name", "customer.first_name", "customer.email"]


@pytest.mark.parametrize("body, named", [
    ("Hi {{customer.age}}", "{{customer.age}}"),
    ("{{ agent.salary }} and {{customer.nam}}", "{{agent.salary}}, {{customer.nam}}"),
    ("{{}}", "{{}}"),
])
def test_unknown_placeholders_are_refused_by_name(acme, services, body, named):
    with pytest.raises(BadRequest) as error:
        services.canned.create(acme.company, acme.agent, title="x", shortcut="x", body=body)
    assert error.value.fields["body"][0].startswith(f"unknown placeholder {named}")
    assert "{{customer.name}}" in error.value.message
    assert CannedReply.select().count() == 0


@pytest.mark.parametrize("body", ["Hi {{customer.name", "Hi customer.name}}", "{{ {{customer.name}}"])
def test_broken_braces_are_refused(body):
    with pytest.raises(BadRequest) as error:
        check_template(body)
    assert "body" in error.value.fields


def test_personal_replies_are_only_their_owners_and_shared_ones_everyones(acme, services):
    mine = services.canned.create(acme.company, acme.agent, title="Mine", shortcut="mine", body="m")
    shared = services.canned.create(acme.company, acme.admin, title="Refunds", shortcut="refund", body="r",
                                    shared=True)
    admin_own = services.canned.create(acme.company, acme.admin, title="Admin's", shortcut="mine", body="a")
    assert [r.id for r in services.canned.visible(acme.company, acme.agent)] == [mine.id, shared.id]
    assert {r.id for r in services.canned.visible(acme.company, acme.admin)} == {shared.id, admin_own.id}
    with pytest.raises(NotFound):  # even an admin cannot see or change an agent's personal reply
        services.canned.update(acme.company, acme.admin, mine.id, title="changed")
    with pytest.raises(NotFound):
        services.canned.delete(acme.company, acme.admin, mine.id)
    with pytest.raises(Forbidden):  # agents use shared replies but do not manage them
        services.canned.update(acme.company, acme.agent, shared.id, body="changed")
    with pytest.raises(Forbidden):
        services.canned.create(acme.company, acme.agent, title="x", shortcut="x", body="x", shared=True)
    with pytest.raises(Forbidden):
        services.canned.update(acme.company, acme.agent, mine.id, shared=True)
    assert services.canned.update(acme.company, acme.agent, mine.id, body="new").body == "new"
    assert services.canned.update(acme.company, acme.admin, admin_own.id, shared=True, shortcut="admins").owner_id is None
    services.canned.delete(acme.company, acme.agent, mine.id)
    assert CannedReply.get_or_none(CannedReply.id == mine.id) is None
    assert AuditEntry.select().where(AuditEntry.action == "canned_reply.deleted").count() == 1


def test_shortcuts_are_normalised_and_unique_per_scope(acme, services):
    reply = services.canned.create(acme.company, acme.agent, title="T", shortcut="/Refund-Policy", body="b")
    assert reply.shortcut == "refund-policy"
    with pytest.raises(BadRequest, match="already used"):
        services.canned.create(acme.company, acme.agent, title="T2", shortcut="refund-policy", body="b")
    services.canned.create(acme.company, acme.admin, title="T3", shortcut="refund-policy", body="b", shared=True)
    with pytest.raises(BadRequest, match="already used"):
        services.canned.create(acme.company, acme.admin, title="T4", shortcut="refund-policy", body="b", shared=True)
    with pytest.raises(BadRequest, match="lowercase letters"):
        services.canned.create(acme.company, acme.agent, title="T", shortcut="two words", body="b")


def test_another_companys_replies_and_tickets_are_not_found(acme, globex, services):
    theirs = services.canned.create(globex.company, globex.admin, title="G", shortcut="g", body="b", shared=True)
    mine = services.canned.create(acme.company, acme.agent, title="A", shortcut="a", body="{{customer.name}}")
    their_ticket, _ = globex.customer_message()
    assert services.canned.visible(acme.company, acme.admin) == []
    for call in (lambda: services.canned.get(acme.company, acme.admin, theirs.id),
                 lambda: services.canned.update(acme.company, acme.admin, theirs.id, title="x"),
                 lambda: services.canned.delete(acme.company, acme.admin, theirs.id),
                 lambda: services.tickets.get(acme.company, their_ticket.id)):
        with pytest.raises(NotFound):
            call()
    assert services.canned.get(acme.company, acme.agent, mine.id).id == mine.id

"""Automatic assignment: round-robin among online agents under capacity, rules that pick a team,
waiting tickets, hand assignments kept, SLA breach actions, tenancy. Presence is the injected
lookup the composition root passes in; the clock is injected; nothing sleeps."""
import pytest

from appliance import events, serializers
from appliance.db import close_database, open_database
from appliance.domain.models import AuditEntry, Notification, Ticket
from appliance.errors import BadRequest, NotFound
from appliance.events import EventBus
from appliance.services import Services
from tests.conftest import PASSWORD, Tenant
from tests.statements import serialized_tickets, statements

class Online:
    """Who is in the console: the presence lookup routing is given."""

    def __init__(self):
        self.ids: set[int] = set()

    def __call__(self, _company_id):
        return set(self.ids)


@pytest.fixture
def online():
    return Online()


@pytest.fixture
def hearth(settings, clock, online):
    open_database(settings.database_path)
    services = Services.build(settings, EventBus(), clock, with_ai=False, online=online)
    services.routing.listen()
    yield services
    close_database()


@pytest.fixture
def shop(hearth):
    tenant = Tenant(hearth, "bikes")
    tenant.agent2 = hearth.users.create(tenant.company, tenant.admin, email="agent2@bikes.test", password=PASSWORD,
                                        name="bikes agent two", role="agent")
    return tenant


def assignee(ticket):
    return Ticket.get_by_id(ticket.id).assignee_id


def new_ticket(tenant, clock, text="Where is my order?", customer=None):
    clock.advance(minutes=1)
    ticket, _ = tenant.customer_message(text, customer=customer)
    return ticket


def test_round_robin_among_online_agents(hearth, shop, clock, online):
    people = [shop.admin.id, shop.agent.id, shop.agent2.id]
    online.ids = set(people)
    tickets = [new_ticket(shop, clock) for _ in range(4)]
    assert [assignee(t) for t in tickets] == [*people, people[0]]
    entry = AuditEntry.select().where(AuditEntry.action == "ticket.assigned").order_by(AuditEntry.id).first()
    assert entry.actor_kind == "system" and entry.details["reason"] == "routing"


def test_offline_agents_are_skipped_and_a_ticket_waits_for_someone(hearth, shop, clock, online):
    online.ids = {shop.agent2.id}
    first = new_ticket(shop, clock)
    assert assignee(first) == shop.agent2.id
    online.ids = set()
    waiting = new_ticket(shop, clock)
    assert assignee(waiting) is None
    online.ids = {shop.agent.id}
    assigned = hearth.routing.assign_waiting(shop.company.id)  # what an agent's console connecting calls
    assert [t.id for t in assigned] == [waiting.id] and assignee(waiting) == shop.agent.id


def test_capacity_is_respected_and_resolving_frees_it(hearth, shop, clock, online):
    hearth.teams.set_capacity(shop.company, shop.admin, shop.admin.id, 0)  # the owner takes none automatically
    hearth.teams.set_capacity(shop.company, shop.admin, shop.agent2.id, 0)
    hearth.teams.set_capacity(shop.company, shop.admin, shop.agent.id, 1)
    online.ids = {shop.admin.id, shop.agent.id, shop.agent2.id}
    first, second = new_ticket(shop, clock), new_ticket(shop, clock)
    assert (assignee(first), assignee(second)) == (shop.agent.id, None)
    hearth.tickets.update(shop.company, shop.agent, first.id, status="resolved")
    assert assignee(second) == shop.agent.id


def test_default_capacity_comes_from_settings(hearth, shop, clock, online):
    online.ids = {shop.agent.id}
    tickets = [new_ticket(shop, clock) for _ in range(hearth.settings.agent_capacity + 1)]
    assert [assignee(t) for t in tickets].count(shop.agent.id) == hearth.settings.agent_capacity
    assert assignee(tickets[-1]) is None


@pytest.mark.parametrize("kind, value, text, customer", [
    ("keyword", "REFUND", "I want a refund for my bike", {}),
    ("customer", "bigcorp", "Hello", {"email": "ann@bigcorp.example"}),
    ("customer", "Ann Lee", "Hello", {"name": "Ann Lee"}),
    ("channel", "widget", "Hello", {}),
])
def test_a_matching_rule_sends_the_ticket_to_its_team(hearth, shop, clock, online, kind, value, text, customer):
    team = hearth.teams.create(shop.company, shop.admin, name="Billing", member_ids=[shop.agent2.id])
    hearth.routing.add_rule(shop.company, shop.admin, kind=kind, value=value, team_id=team.id, priority="high")
    online.ids = {shop.admin.id, shop.agent.id, shop.agent2.id}
    visitor, _ = hearth.customers.start_visit(shop.company)
    if customer:
        hearth.customers.identify(visitor, name=customer.get("name"), email=customer.get("email"))
    ticket = new_ticket(shop, clock, text, customer=visitor)
    stored = Ticket.get_by_id(ticket.id)
    assert stored.assignee_id == shop.agent2.id and stored.priority == "high"


def test_an_intent_rule_routes_a_ticket_the_ai_hands_over(hearth, shop, clock, online):
    hearth.companies.update(shop.company, shop.admin, settings={"ai_enabled": True})
    team = hearth.teams.create(shop.company, shop.admin, name="Returns", member_ids=[shop.agent2.id])
    hearth.routing.add_rule(shop.company, shop.admin, kind="intent", value="Returns", team_id=team.id)
    online.ids = {shop.agent.id, shop.agent2.id}
    ticket = new_ticket(shop, clock, "Can I send this back?")
    assert Ticket.get_by_id(ticket.id).status == "bot" and assignee(ticket) is None  # the AI has it
    hearth.tickets.record_analysis(ticket, entities={}, intent="returns")
    hearth.tickets.hand_over(shop.company, Ticket.get_by_id(ticket.id), reason="low confidence",
                             customer_notice="A person will answer shortly.")
    assert assignee(ticket) == shop.agent2.id


def test_the_first_matching_rule_wins_and_no_match_falls_back_to_everyone(hearth, shop, clock, online):
    first = hearth.teams.create(shop.company, shop.admin, name="First", member_ids=[shop.agent.id])
    second = hearth.teams.create(shop.company, shop.admin, name="Second", member_ids=[shop.agent2.id])
    a = hearth.routing.add_rule(shop.company, shop.admin, kind="keyword", value="bike", team_id=first.id)
    b = hearth.routing.add_rule(shop.company, shop.admin, kind="keyword", value="brake", team_id=second.id)
    online.ids = {shop.agent.id, shop.agent2.id}
    assert assignee(new_ticket(shop, clock, "my bike brake squeaks")) == shop.agent.id
    hearth.routing.reorder(shop.company, shop.admin, [b.id, a.id])
    assert assignee(new_ticket(shop, clock, "my bike brake squeaks")) == shop.agent2.id
    online.ids = {shop.admin.id}  # a team's agents offline: its ticket waits rather than going elsewhere
    assert assignee(new_ticket(shop, clock, "brake pads?")) is None
    assert assignee(new_ticket(shop, clock, "opening hours?")) == shop.admin.id  # no rule: anyone


def test_a_team_without_online_agents_keeps_its_ticket_waiting_until_one_comes(hearth, shop, clock, online):
    team = hearth.teams.create(shop.company, shop.admin, name="Billing", member_ids=[shop.agent2.id])
    hearth.routing.add_rule(shop.company, shop.admin, kind="keyword", value="invoice", team_id=team.id,
                            priority="urgent")
    online.ids = {shop.agent.id}
    ticket = new_ticket(shop, clock, "invoice please")
    assert assignee(ticket) is None
    assert Ticket.get_by_id(ticket.id).priority == "urgent"  # set at once: the SLA targets depend on it
    online.ids = {shop.agent.id, shop.agent2.id}
    hearth.routing.assign_waiting(shop.company.id)
    assert assignee(ticket) == shop.agent2.id


def test_hand_assignment_is_never_undone(hearth, shop, clock, online):
    online.ids = {shop.agent.id}
    ticket = new_ticket(shop, clock)
    assert assignee(ticket) == shop.agent.id
    hearth.tickets.update(shop.company, shop.admin, ticket.id, assignee_id=shop.agent2.id)  # offline, by hand
    hearth.routing.assign_waiting(shop.company.id)
    assert assignee(ticket) == shop.agent2.id
    hearth.tickets.update(shop.company, shop.admin, ticket.id, assignee_id=None)  # unassigned by hand
    new_ticket(shop, clock)  # routing runs again
    hearth.routing.assign_waiting(shop.company.id)
    assert assignee(ticket) is None


def test_a_ticket_handed_back_to_the_ai_leaves_its_person_and_is_routed_afresh_when_handed_over(
        hearth, shop, clock, online):
    """Handing a ticket back to the AI kept its assignee: it stayed in their queue and capacity (the
    AI had it), and a hand assignment kept routing away from it for good."""
    online.ids = {shop.agent.id}
    ticket = new_ticket(shop, clock)
    hearth.tickets.update(shop.company, shop.admin, ticket.id, assignee_id=shop.agent2.id)  # by hand
    with pytest.raises(BadRequest, match="no assignee"):
        hearth.tickets.update(shop.company, shop.admin, ticket.id, status="bot", assignee_id=shop.agent2.id)
    back = hearth.tickets.update(shop.company, shop.agent2, ticket.id, status="bot")
    assert (back.status, back.assignee_id) == ("bot", None)
    entry = AuditEntry.select().where(AuditEntry.action == "ticket.updated").order_by(AuditEntry.id.desc()).first()
    assert entry.details["changes"] == {"status": ["open", "bot"], "assignee_id": [shop.agent2.id, None]}
    hearth.tickets.hand_over(shop.company, Ticket.get_by_id(ticket.id), reason="the customer asked for a person",
                             customer_notice="A person will answer.")
    assert assignee(ticket) == shop.agent.id  # routed like any waiting ticket


def test_breach_reassigns_to_another_available_agent(hearth, shop, clock, online):
    hearth.sla.set_policy(shop.company, shop.admin, targets={"first_response": {"normal": 60}},
                          actions={"reassign": True})
    online.ids = {shop.agent.id}
    ticket = new_ticket(shop, clock)
    assert assignee(ticket) == shop.agent.id
    online.ids = {shop.agent.id, shop.agent2.id}
    clock.advance(minutes=61)
    assert [e.kind for e in hearth.sla.check_due()] == ["warning", "breach"]
    assert assignee(ticket) == shop.agent2.id
    entry = AuditEntry.select().where(AuditEntry.action == "ticket.assigned").order_by(AuditEntry.id.desc()).first()
    assert entry.details["reason"] == "sla breach: first_response"
    assert entry.details["previous_assignee_id"] == shop.agent.id


def test_breach_keeps_the_agent_when_nobody_else_is_free_or_it_was_assigned_by_hand(hearth, shop, clock, online):
    hearth.sla.set_policy(shop.company, shop.admin, targets={"first_response": {"normal": 60}},
                          actions={"reassign": True})
    online.ids = {shop.agent.id}
    alone = new_ticket(shop, clock)
    online.ids = set()
    clock.advance(minutes=30)
    by_hand = new_ticket(shop, clock)
    hearth.tickets.update(shop.company, shop.admin, by_hand.id, assignee_id=shop.agent.id)
    clock.advance(minutes=31)  # alone breaches; agent is the only one online
    online.ids = {shop.agent.id}
    assert [e.ticket_id for e in hearth.sla.check_due() if e.kind == "breach"] == [alone.id]
    assert assignee(alone) == shop.agent.id
    online.ids = {shop.agent.id, shop.agent2.id}
    clock.advance(minutes=30)  # by_hand breaches; agent2 is free, but a person chose agent
    assert [e.ticket_id for e in hearth.sla.check_due() if e.kind == "breach"] == [by_hand.id]
    assert (assignee(alone), assignee(by_hand)) == (shop.agent.id, shop.agent.id)


def test_breach_notifies_each_admin_once_even_after_a_restart(settings, hearth, shop, clock, online):
    second_admin = hearth.users.create(shop.company, shop.admin, email="boss@bikes.test", password=PASSWORD,
                                       name="Boss", role="admin")
    hearth.sla.set_policy(shop.company, shop.admin, targets={"first_response": {"normal": 60}},
                          actions={"notify_admins": True})
    delivered = []
    hearth.bus.subscribe("notification", lambda _n, e: delivered.append(e["notification"].user_id))
    ticket = new_ticket(shop, clock)
    clock.advance(minutes=61)
    hearth.sla.check_due()
    hearth.sla.check_due()
    assert sorted(delivered) == sorted([shop.admin.id, second_admin.id])
    close_database()
    open_database(settings.database_path)  # Hearth restarts and checks again
    again = Services.build(settings, EventBus(), clock, with_ai=False, online=online)
    assert again.sla.check_due() == []
    notes = list(Notification.select())
    assert len(notes) == 2 and {n.user_id for n in notes} == {shop.admin.id, second_admin.id}
    assert notes[0].ticket_id == ticket.id and f"#{ticket.number}" in notes[0].title
    assert [n.id for n in again.notifications.list_for(shop.company, shop.agent)] == []


def test_breach_actions_are_validated(hearth, shop):
    with pytest.raises(BadRequest, match="unknown action"):
        hearth.sla.set_policy(shop.company, shop.admin, targets={}, actions={"page_the_ceo": True})


def test_rules_and_teams_of_one_company_never_touch_another(hearth, shop, clock, online):
    other = Tenant(hearth, "globex")
    team = hearth.teams.create(shop.company, shop.admin, name="Billing", member_ids=[shop.agent2.id])
    rule = hearth.routing.add_rule(shop.company, shop.admin, kind="channel", value="widget", team_id=team.id)
    online.ids = {shop.agent.id, shop.agent2.id, other.agent.id}
    theirs = new_ticket(other, clock)
    assert assignee(theirs) == other.agent.id  # bikes' widget rule does not apply to globex
    ours = new_ticket(shop, clock)
    assert assignee(ours) == shop.agent2.id
    with pytest.raises(NotFound):
        hearth.teams.get(other.company, team.id)
    with pytest.raises(NotFound):
        hearth.routing.get_rule(other.company, rule.id)
    with pytest.raises(BadRequest, match="team_id"):
        hearth.routing.add_rule(other.company, other.admin, kind="keyword", value="x", team_id=team.id)
    with pytest.raises(BadRequest, match="member_ids"):
        hearth.teams.create(other.company, other.admin, name="Raid", member_ids=[shop.agent.id])
    with pytest.raises(NotFound):
        hearth.teams.set_capacity(other.company, other.admin, shop.agent.id, 3)
    assert hearth.routing.rules(other.company) == [] and hearth.teams.list(other.company) == []


def test_a_new_ticket_is_routed_in_one_pass_and_pushed_as_read(hearth, shop, clock, online):
    """The assignment's own ticket update frees nobody and queues nothing, so it starts no second
    pass; the assigned ticket it publishes was read with what its push shows (customer, tags,
    assignee's name)."""
    online.ids = {shop.agent.id}
    customer, _ = hearth.customers.start_visit(shop.company)
    pushed, serializing = serialized_tickets(hearth.bus, events.TICKET_UPDATED)
    with statements() as ran:
        ticket = new_ticket(shop, clock, customer=customer)
    assert assignee(ticket) == shop.agent.id
    assert sum('FROM "agent_routing"' in s or 'JOIN "agent_routing"' in s for s in ran) == 1  # one pass
    assert sum('"slug"' in s and 'FROM "company"' in s for s in ran) == 1  # the company's row, read once
    assert serializing == []
    assert pushed[-1]["assignee"] == {"id": shop.agent.id, "name": shop.agent.name}
    assert pushed[-1] == serializers.ticket(hearth.tickets.get(shop.company, ticket.id))


def test_a_queue_longer_than_one_pass_reads_is_assigned_to_the_end(hearth, shop, clock, online, monkeypatch):
    """A pass reads the oldest MAX_WAITING waiting tickets; while it assigns and someone still has
    room, it reads on."""
    from appliance.services import routing

    monkeypatch.setattr(routing, "MAX_WAITING", 2)
    tickets = [new_ticket(shop, clock) for _ in range(5)]  # nobody online: all wait
    assert [assignee(t) for t in tickets] == [None] * 5
    online.ids = {shop.agent.id}
    assigned = hearth.routing.assign_waiting(shop.company.id)
    assert len(assigned) == 5 and {assignee(t) for t in tickets} == {shop.agent.id}


def test_a_change_that_frees_nobody_starts_no_pass(hearth, shop, clock, online):
    """A first reply gives the waiting ticket to its author: nobody has more room than before, so no
    routing pass runs; handing the ticket to someone else frees its author, so one does."""
    hearth.teams.set_capacity(shop.company, shop.admin, shop.admin.id, 0)
    hearth.teams.set_capacity(shop.company, shop.admin, shop.agent2.id, 0)
    hearth.teams.set_capacity(shop.company, shop.admin, shop.agent.id, 1)
    first = new_ticket(shop, clock)  # nobody online: it waits
    online.ids = {shop.agent.id}

    def passes(ran):
        return sum('FROM "agent_routing"' in s or 'JOIN "agent_routing"' in s for s in ran)

    with statements() as ran:
        hearth.tickets.reply(shop.company, shop.agent2, first.id, body="On it")
    assert assignee(first) == shop.agent2.id and passes(ran) == 0
    second = new_ticket(shop, clock)
    assert assignee(second) == shop.agent.id  # the agent's one place is taken now
    third = new_ticket(shop, clock)
    assert assignee(third) is None
    with statements() as ran:
        hearth.tickets.update(shop.company, shop.admin, second.id, assignee_id=shop.agent2.id)
    assert passes(ran) >= 1
    assert assignee(third) == shop.agent.id  # the room the hand-over freed went to the waiting ticket


def test_a_deactivated_agents_tickets_go_back_to_routing(hearth, shop, clock, online):
    online.ids = {shop.agent.id}
    routed = new_ticket(shop, clock)
    by_hand = new_ticket(shop, clock)
    hearth.tickets.update(shop.company, shop.admin, by_hand.id, assignee_id=shop.agent.id)
    waiting_on_customer = new_ticket(shop, clock)
    hearth.tickets.update(shop.company, shop.admin, waiting_on_customer.id, assignee_id=shop.agent.id,
                          status="pending")
    done = new_ticket(shop, clock)
    hearth.tickets.update(shop.company, shop.admin, done.id, assignee_id=shop.agent.id, status="resolved")
    assert {assignee(t) for t in (routed, by_hand, waiting_on_customer, done)} == {shop.agent.id}
    seen = []
    hearth.bus.subscribe(events.TICKET_UPDATED, lambda _n, e: seen.append((e["ticket"].id, e["changes"])))

    online.ids = {shop.agent2.id}
    hearth.users.update(shop.company, shop.admin, shop.agent.id, active=False)
    assert (assignee(routed), assignee(by_hand)) == (shop.agent2.id, shop.agent2.id)  # routed again
    assert assignee(waiting_on_customer) is None and assignee(done) == shop.agent.id  # finished: kept
    assert {t for t, changes in seen if changes.get("assignee_id") == [shop.agent.id, None]} == {
        routed.id, by_hand.id, waiting_on_customer.id}
    audited = AuditEntry.select().where(AuditEntry.action == "ticket.unassigned")
    assert {(e.target_id, e.details["reason"]) for e in audited} == {
        (t.id, "assignee deactivated") for t in (routed, by_hand, waiting_on_customer)}
    hearth.tickets.post_customer_message(shop.company, waiting_on_customer.customer, text="Here it is",
                                         client_id="c-back")
    assert assignee(waiting_on_customer) == shop.agent2.id  # back from pending: routed like any other

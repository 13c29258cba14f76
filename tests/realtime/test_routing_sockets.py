"""Routing and admin notifications over the real /agent namespace: presence comes from connected
consoles, assignments are pushed live, and breach notifications reach admins only."""
import pytest

from appliance.domain.models import Ticket
from tests.conftest import ApiClient


@pytest.fixture
def app(clocked_app):
    return clocked_app


def console(app, user):
    api = ApiClient(app.test_client())
    assert api.login(user.email).status_code == 200
    socket = api.agent_socket()
    assert socket.is_connected("/agent")
    return socket


def received(socket, name):
    return [e["args"][0] for e in socket.get_received("/agent") if e["name"] == name]


def test_a_waiting_ticket_goes_to_the_agent_who_comes_online_and_the_console_hears_it(app, hearth, shop):
    hearth.teams.set_capacity(shop.company, shop.admin, shop.admin.id, 0)
    ticket, _ = shop.customer_message("Anyone there?")
    assert Ticket.get_by_id(ticket.id).assignee_id is None  # nobody online
    admin = console(app, shop.admin)  # online, but takes nothing automatically
    assert Ticket.get_by_id(ticket.id).assignee_id is None
    received(admin, "ticket_updated")
    agent = console(app, shop.agent)
    assert Ticket.get_by_id(ticket.id).assignee_id == shop.agent.id
    pushed = [t for t in received(admin, "ticket_updated") if t["id"] == ticket.id]
    assert pushed[-1]["assignee"] == {"id": shop.agent.id, "name": shop.agent.name}
    agent.disconnect(namespace="/agent")
    second, _ = shop.customer_message("Hello again", customer=None)
    assert Ticket.get_by_id(second.id).assignee_id is None  # the agent left: it waits


def test_breach_notification_reaches_admins_only(app, hearth, shop, clock):
    hearth.sla.set_policy(shop.company, shop.admin, targets={"first_response": {"normal": 30}},
                          actions={"notify_admins": True})
    admin, agent = console(app, shop.admin), console(app, shop.agent)
    ticket, _ = shop.customer_message("Help!")
    clock.advance(minutes=31)
    hearth.sla.check_due()
    hearth.sla.check_due()
    notes = received(admin, "notification")
    assert len(notes) == 1 and notes[0]["kind"] == "sla_breach" and notes[0]["ticket_id"] == ticket.id
    assert f"#{ticket.number}" in notes[0]["title"]
    assert received(agent, "notification") == []
    api = ApiClient(app.test_client())
    api.login(shop.admin.email)
    listed = api.get("/api/v1/notifications").get_json()
    assert listed["unread"] == 1 and listed["items"][0]["id"] == notes[0]["id"]
    assert api.post("/api/v1/notifications/read").status_code == 204
    assert api.get("/api/v1/notifications").get_json()["unread"] == 0


def test_a_person_given_a_ticket_by_someone_else_is_told(app, hearth, shop):
    hearth.teams.set_capacity(shop.company, shop.admin, shop.admin.id, 0)
    hearth.teams.set_capacity(shop.company, shop.admin, shop.agent.id, 0)  # nobody takes it automatically
    admin, agent = console(app, shop.admin), console(app, shop.agent)
    ticket, _ = shop.customer_message("My pedal fell off")
    hearth.tickets.update(shop.company, shop.admin, ticket.id, assignee_id=shop.agent.id)
    notes = received(agent, "notification")
    assert len(notes) == 1 and notes[0]["kind"] == "assigned" and notes[0]["ticket_id"] == ticket.id
    assert notes[0]["title"] == f"{shop.admin.name} gave you ticket #{ticket.number}"
    assert received(admin, "notification") == []
    hearth.tickets.update(shop.company, shop.agent, ticket.id, assignee_id=None)
    hearth.tickets.update(shop.company, shop.agent, ticket.id, assignee_id=shop.agent.id)  # took it themselves
    assert received(agent, "notification") == []


def test_a_console_marks_read_only_the_notifications_it_showed(app, hearth, shop):
    """A notification shown live is marked read by its id, so the next login does not show it again,
    while one that arrived when no console was connected stays unread for that login."""
    hearth.teams.set_capacity(shop.company, shop.admin, shop.admin.id, 0)
    hearth.teams.set_capacity(shop.company, shop.admin, shop.agent.id, 0)
    first, _ = shop.customer_message("My bell is gone", customer=None)
    hearth.tickets.update(shop.company, shop.admin, first.id, assignee_id=shop.agent.id)  # while away
    agent = console(app, shop.agent)
    second, _ = shop.customer_message("My lamp is gone", customer=None)
    hearth.tickets.update(shop.company, shop.admin, second.id, assignee_id=shop.agent.id)
    [live] = received(agent, "notification")
    api = ApiClient(app.test_client())
    api.login(shop.agent.email)
    assert api.post("/api/v1/notifications/read", json={"ids": [live["id"]]}).status_code == 204
    listed = api.get("/api/v1/notifications").get_json()
    assert listed["unread"] == 1
    assert [n["ticket_id"] for n in listed["items"] if not n["read"]] == [first.id]
    assert api.post("/api/v1/notifications/read", json={"ids": ["x"]}).status_code == 422
    assert api.post("/api/v1/notifications/read").status_code == 204  # without ids: all of them
    assert api.get("/api/v1/notifications").get_json()["unread"] == 0

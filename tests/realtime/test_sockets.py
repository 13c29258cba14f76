"""Socket.IO through Flask-SocketIO's test client, sharing the login session with HTTP."""
import pytest

from appliance.domain.models import Message


def events_named(client, name, namespace):
    """Drain the client's queue and return the payloads of the events called ``name``."""
    # The test client keeps "message" payloads unwrapped (Socket.IO's send() legacy), others in a list.
    return [e["args"] if e["name"] == "message" else e["args"][0]
            for e in client.get_received(namespace) if e["name"] == name]


@pytest.fixture
def visitor(socketio, app):
    def connect(slug="acme", token=None):
        auth = {"company": slug}
        if token:
            auth["token"] = token
        return socketio.test_client(app, namespace="/widget", auth=auth)
    return connect


def test_unknown_company_is_refused(visitor):
    assert not visitor("no-such-shop").is_connected("/widget")


def test_visitor_gets_a_session_and_an_ack_with_ids(visitor, acme):
    client = visitor()
    session = events_named(client, "session", "/widget")[0]
    assert session["visitor_token"] and session["ticket_id"] is None
    assert session["company"]["name"] == "Acme"
    ack = client.emit("customer_message", {"text": "Hello?", "client_id": "m1"}, namespace="/widget", callback=True)
    assert ack["ok"] is True and ack["ticket_id"] and ack["message_id"]


def test_resent_client_id_is_not_duplicated(visitor, acme):
    client = visitor()
    first = client.emit("customer_message", {"text": "Hi", "client_id": "same"}, namespace="/widget", callback=True)
    again = client.emit("customer_message", {"text": "Hi", "client_id": "same"}, namespace="/widget", callback=True)
    assert first == again and Message.select().count() == 1


def test_returning_visitor_gets_the_conversation_back(visitor, acme):
    client = visitor()
    token = events_named(client, "session", "/widget")[0]["visitor_token"]
    client.emit("customer_message", {"text": "Order 1234?", "client_id": "m1"}, namespace="/widget", callback=True)
    client.disconnect(namespace="/widget")
    back = visitor(token=token)
    session = events_named(back, "session", "/widget")[0]
    assert session["visitor_token"] == token
    assert [m["body"] for m in session["messages"]] == ["Order 1234?"]


@pytest.mark.parametrize("data, field", [
    (None, "event data"),
    ("text", "event data"),
    ({"client_id": "x"}, "text"),
    ({"text": "hi"}, "client_id"),
    ({"text": 5, "client_id": "x"}, "text"),
    ({"text": "x" * 5001, "client_id": "x"}, "text"),
    ({"text": "hi", "client_id": ["x"]}, "client_id"),
])
def test_bad_customer_messages_get_an_error_ack(visitor, acme, data, field):
    client = visitor()
    ack = client.emit("customer_message", data, namespace="/widget", callback=True)
    assert ack["ok"] is False and field in ack["error"]["message"]
    assert Message.select().count() == 0
    assert client.is_connected("/widget")


def test_agent_socket_needs_login_and_csrf(make_client, acme, socketio, app):
    anonymous = make_client()
    assert not socketio.test_client(app, namespace="/agent", flask_test_client=anonymous.client).is_connected("/agent")
    logged_in = make_client(acme.agent)
    no_csrf = socketio.test_client(app, namespace="/agent", flask_test_client=logged_in.client, auth={})
    assert not no_csrf.is_connected("/agent")
    assert logged_in.agent_socket().is_connected("/agent")


def test_live_flow_between_customer_and_agent(visitor, make_client, acme, globex):
    agent_api = make_client(acme.agent)
    agent = agent_api.agent_socket()
    outsider = make_client(globex.agent).agent_socket()
    presence = events_named(agent, "presence", "/agent")[-1]
    assert {p["name"] for p in presence["online"]} == {"acme agent"}
    agent.get_received("/agent")

    customer = visitor()
    customer.get_received("/widget")
    ack = customer.emit("customer_message", {"text": "Is my parcel lost?", "client_id": "p1"},
                        namespace="/widget", callback=True)
    ticket_id = ack["ticket_id"]
    received = agent.get_received("/agent")
    # the new ticket arrives once, carrying the message that opened it (no separate message push)
    assert [e["name"] for e in received if e["name"] in ("ticket_created", "message")] == ["ticket_created"]
    created = next(e["args"][0] for e in received if e["name"] == "ticket_created")
    assert created["id"] == ticket_id and created["last_message_preview"] == "Is my parcel lost?"
    assert created["first_message"]["body"] == "Is my parcel lost?"
    assert created["first_message"]["ticket_id"] == ticket_id and created["first_message"]["author_role"] == "customer"
    customer.emit("customer_message", {"text": "Any news?", "client_id": "p2"}, namespace="/widget", callback=True)
    assert [m["body"] for m in events_named(agent, "message", "/agent")] == ["Any news?"]
    assert events_named(outsider, "ticket_created", "/agent") == []
    assert events_named(outsider, "message", "/agent") == []

    # typing both ways
    customer.emit("typing", {"typing": True}, namespace="/widget", callback=True)
    assert events_named(agent, "typing", "/agent") == [
        {"ticket_id": ticket_id, "author_role": "customer", "user": None, "typing": True}]
    assert agent.emit("typing", {"ticket_id": ticket_id, "typing": True}, namespace="/agent", callback=True)["ok"]
    typing = events_named(customer, "typing", "/widget")
    assert typing[-1] == {"author_role": "agent", "name": "acme agent", "typing": True}

    # a reply reaches the customer, a private note does not
    agent_api.post(f"/api/v1/tickets/{ticket_id}/messages", json={"body": "Checking now"})
    agent_api.post(f"/api/v1/tickets/{ticket_id}/messages", json={"body": "INTERNAL: refund?", "private": True})
    to_customer = events_named(customer, "message", "/widget")
    assert [m["body"] for m in to_customer] == ["Checking now"]
    assert set(to_customer[0]) >= {"id", "ticket_id", "author_role", "body", "created_at"}
    to_agents = [m["body"] for m in events_named(agent, "message", "/agent")]
    assert to_agents == ["Checking now", "INTERNAL: refund?"]

    # the returning customer never gets the note either
    agent_api.patch(f"/api/v1/tickets/{ticket_id}", json={"status": "resolved"})
    assert events_named(customer, "ticket_status", "/widget") == [{"ticket_id": ticket_id, "status": "resolved"}]


def test_presence_and_viewers(make_client, acme):
    ticket, _ = acme.customer_message()
    first = make_client(acme.agent).agent_socket()
    second = make_client(acme.admin).agent_socket()
    assert first.emit("view_ticket", {"ticket_id": ticket.id}, namespace="/agent", callback=True)["ok"]
    viewers = events_named(second, "viewers", "/agent")[-1]
    assert viewers == {"ticket_id": ticket.id, "agents": [{"id": acme.agent.id, "name": "acme agent"}]}
    first.disconnect(namespace="/agent")
    received = second.get_received("/agent")
    last = {e["name"]: e["args"][0] for e in received}
    assert last["viewers"]["agents"] == []
    assert [p["name"] for p in last["presence"]["online"]] == ["acme admin"]


def test_socket_events_on_another_companys_ticket_answer_404(make_client, acme, globex, visitor):
    theirs, _ = globex.customer_message()
    globex_customer = visitor("globex")
    globex_customer.get_received("/widget")
    agent = make_client(acme.agent).agent_socket()
    for event, data in (("view_ticket", {"ticket_id": theirs.id}),
                        ("typing", {"ticket_id": theirs.id, "typing": True})):
        ack = agent.emit(event, data, namespace="/agent", callback=True)
        assert ack["ok"] is False and ack["error"]["status"] == 404, event
    assert events_named(globex_customer, "typing", "/widget") == []


@pytest.mark.parametrize("event, data", [
    ("view_ticket", None), ("view_ticket", {"ticket_id": "1"}), ("view_ticket", {"ticket_id": True}),
    ("typing", {"ticket_id": 1}), ("typing", {"ticket_id": 1, "typing": "yes"}), ("leave_ticket", []),
])
def test_bad_agent_events_get_error_acks(make_client, acme, event, data):
    agent = make_client(acme.agent).agent_socket()
    ack = agent.emit(event, data, namespace="/agent", callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid_input"
    assert agent.is_connected("/agent")


def test_deactivating_an_agent_closes_their_live_connection(make_client, admin_client, acme):
    agent = make_client(acme.agent).agent_socket()
    assert agent.is_connected("/agent")
    admin_client.patch(f"/api/v1/users/{acme.agent.id}", json={"active": False})
    assert not agent.is_connected("/agent")


def test_an_event_with_several_arguments_gets_an_error_ack(visitor, acme):
    """Found by tests/fuzz/test_sockets.py: extra arguments used to raise TypeError (a 500 ack)."""
    ack = visitor().emit("customer_message", {"text": "hi", "client_id": "1"}, "extra", namespace="/widget", callback=True)
    assert ack["ok"] is False and ack["error"]["status"] == 422 and "one JSON object" in ack["error"]["message"]


def test_a_visitor_connected_before_a_company_change_sees_it(visitor, make_client, admin_client, acme):
    """The widget keeps each company's row between events; a change of the company's settings must
    reach visitors who were already connected (here: AI on, so their next new ticket starts with the AI)."""
    agent = make_client(acme.admin).agent_socket()
    client = visitor()
    first = client.emit("customer_message", {"text": "Hello", "client_id": "m1"}, namespace="/widget", callback=True)
    assert [t["status"] for t in events_named(agent, "ticket_created", "/agent")] == ["open"]
    assert admin_client.patch("/api/v1/company", json={"settings": {"ai_enabled": True}}).status_code == 200
    assert admin_client.patch(f"/api/v1/tickets/{first['ticket_id']}", json={"status": "resolved"}).status_code == 200
    agent.get_received("/agent")
    second = client.emit("customer_message", {"text": "Hello again", "client_id": "m2"}, namespace="/widget",
                         callback=True)
    assert second["ok"] and second["ticket_id"] != first["ticket_id"]
    assert [t["status"] for t in events_named(agent, "ticket_created", "/agent")] == ["bot"]


def test_a_connections_events_are_handled_by_its_own_reader(app):
    """Configured before any test client exists (Flask-SocketIO's test client switches this off for
    itself): events are not handed to a task each; tests/test_cli_and_server.py sends a burst over
    the running server."""
    server = app.extensions["socketio"].server
    assert server.async_handlers is False and server.eio.async_handlers is False

"""Rate limits at every tier, on HTTP and Socket.IO alike: 429 (or an error ack) with a retry time, logged."""
import logging

import pytest

from appliance.domain.models import Customer, Message
from tests.conftest import ApiClient
from tests.realtime.test_sockets import events_named


def limits(**values):
    return pytest.mark.parametrize("overrides", [values])


def from_address(app, address):
    return _AddressedClient(app, address)


class _AddressedClient(ApiClient):
    """A test client whose requests come from another client address."""

    def __init__(self, app, address):
        super().__init__(app.test_client())
        self.client.environ_base["REMOTE_ADDR"] = address


def assert_429(response):
    assert response.status_code == 429, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "rate_limited" and error["status"] == 429
    assert 1 <= error["retry_after"] <= 61 and "try again in" in error["message"]
    assert int(response.headers["Retry-After"]) == error["retry_after"]


@limits(rate_limit_ip="3/minute")
def test_http_per_address(app, caplog):
    a, b = from_address(app, "127.0.0.1"), from_address(app, "127.0.0.2")
    for _ in range(3):
        assert a.get("/api/v1/auth/me").status_code == 401
    with caplog.at_level(logging.WARNING):
        assert_429(a.get("/api/v1/auth/me"))
    assert any("rate limit hit" in r.getMessage() and "127.0.0.1" in r.getMessage() for r in caplog.records)
    assert a.get("/healthz").status_code == 200  # the desktop shell's health polling is never limited
    assert b.get("/api/v1/auth/me").status_code == 401  # another address has its own budget


@limits(rate_limit_company="4/minute")
def test_http_per_company_across_addresses(app, acme, globex):
    admin, agent = from_address(app, "127.0.0.1"), from_address(app, "127.0.0.2")
    admin.login(acme.admin.email)  # logins carry no company yet: not counted
    agent.login(acme.agent.email)
    for client in (admin, agent, admin, agent):
        assert client.get("/api/v1/tickets").status_code == 200
    assert_429(admin.get("/api/v1/tickets"))
    other = from_address(app, "127.0.0.1")
    other.login(globex.admin.email)
    assert other.get("/api/v1/tickets").status_code == 200


@pytest.fixture
def visitor(socketio, app):
    def connect(slug="acme", token=None):
        auth = {"company": slug, **({"token": token} if token else {})}
        return socketio.test_client(app, namespace="/widget", auth=auth)
    return connect


def send(client, text, client_id):
    return client.emit("customer_message", {"text": text, "client_id": client_id}, namespace="/widget", callback=True)


@limits(rate_limit_visitor="2/minute")
def test_socket_per_visitor(visitor, acme, caplog):
    one, two = visitor(), visitor()
    assert send(one, "first", "1")["ok"] and send(one, "second", "2")["ok"]
    with caplog.at_level(logging.WARNING):
        ack = send(one, "third", "3")
    assert ack["ok"] is False and ack["error"]["status"] == 429 and ack["error"]["code"] == "rate_limited"
    assert 1 <= ack["error"]["retry_after"] <= 61
    assert any("rate limit hit: visitor" in r.getMessage() for r in caplog.records)
    assert Message.select().where(Message.body == "third").count() == 0  # nothing stored over the limit
    assert send(two, "other visitor", "1")["ok"]


@limits(rate_limit_visitor="2/minute")
def test_socket_visitor_limit_survives_a_reconnect(visitor, acme):
    first = visitor()
    token = events_named(first, "session", "/widget")[0]["visitor_token"]
    assert send(first, "a", "1")["ok"] and send(first, "b", "2")["ok"]
    first.disconnect(namespace="/widget")
    back = visitor(token=token)
    assert events_named(back, "session", "/widget")[0]["visitor_token"] == token
    assert send(back, "c", "3")["error"]["status"] == 429


@limits(rate_limit_visitor="2/minute", rate_limit_visitor_typing="3/minute")
def test_socket_typing_has_a_visitor_budget_of_its_own(visitor, acme, caplog):
    """A quick typist's indicators never refuse their message: typing counts against its own tier."""
    one = visitor()
    typing = [one.emit("typing", {"typing": on}, namespace="/widget", callback=True) for on in (True, False, True)]
    assert all(ack["ok"] for ack in typing)
    assert send(one, "first", "1")["ok"] and send(one, "second", "2")["ok"]
    with caplog.at_level(logging.WARNING):
        ack = one.emit("typing", {"typing": False}, namespace="/widget", callback=True)
    assert ack["ok"] is False and ack["error"]["status"] == 429 and "visitor typing" in ack["error"]["message"]
    assert any("rate limit hit: visitor_typing" in r.getMessage() for r in caplog.records)
    assert send(one, "third", "3")["error"]["status"] == 429  # the message budget is still its own


@limits(rate_limit_company="3/minute", rate_limit_visitor="")
def test_socket_per_company_and_widget_and_agent_share_it(visitor, acme, globex, make_client):
    one, two = visitor(), visitor()
    assert send(one, "a", "1")["ok"] and send(two, "b", "1")["ok"]
    agent_api = make_client(acme.agent)
    agent = agent_api.agent_socket()
    ticket_id = Message.get(Message.body == "a").ticket_id
    assert agent.emit("view_ticket", {"ticket_id": ticket_id}, namespace="/agent", callback=True)["ok"]
    ack = agent.emit("view_ticket", {"ticket_id": ticket_id}, namespace="/agent", callback=True)
    assert ack["ok"] is False and ack["error"]["status"] == 429
    assert send(visitor("globex"), "globex is not slowed", "1")["ok"]


@limits(rate_limit_socket_ip="2/minute", rate_limit_visitor="")
def test_socket_per_address(visitor, acme):
    one, two = visitor(), visitor()  # same address (the test client's)
    assert send(one, "a", "1")["ok"] and send(two, "b", "1")["ok"]
    ack = send(one, "c", "2")
    assert ack["ok"] is False and ack["error"]["status"] == 429


@limits(max_socket_connections=2)
def test_global_connection_cap(visitor, acme, make_client, caplog):
    one, two = visitor(), visitor()
    assert one.is_connected("/widget") and two.is_connected("/widget")
    customers = Customer.select().count()
    with caplog.at_level(logging.WARNING):
        assert not visitor().is_connected("/widget")
    assert Customer.select().count() == customers  # a refused visitor stores nothing
    agent_api = make_client(acme.agent)
    agent = agent_api.agent_socket()
    assert not agent.is_connected("/agent")  # the cap counts both namespaces
    assert any("concurrent connections is the cap" in r.getMessage() for r in caplog.records)
    one.disconnect(namespace="/widget")
    assert visitor().is_connected("/widget")


@limits(rate_limit_connect_ip="2/minute")
def test_new_connections_per_address(visitor, acme):
    assert visitor().is_connected("/widget") and visitor().is_connected("/widget")
    assert not visitor().is_connected("/widget")

"""Every /agent and /widget event (found from the namespace classes), and the connections
themselves, fed wrong types, huge payloads, odd Unicode and nested junk: an error ack, never a
500, and the server keeps working."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.realtime.agent import AgentNamespace
from appliance.realtime.widget import WidgetNamespace
from tests.abuse.test_tenancy_walk import handler_events
from tests.fuzz.strategies import JSON, TEXT

HUGE = st.sampled_from([{"text": "x" * 1_500_000, "client_id": "h"}, ["a"] * 100_000, {"ticket_id": 10**30},
                        {"ticket_id": float("nan")}, {"typing": "true"}, {"text": {"$ne": 1}, "client_id": ["x"]}])
PAYLOAD = st.one_of(JSON, HUGE, st.fixed_dictionaries({"text": TEXT, "client_id": TEXT}),
                    st.fixed_dictionaries({"ticket_id": st.integers(), "typing": st.booleans()}))


@pytest.fixture
def clients(app, socketio, acme, make_client):
    api = make_client(acme.agent)
    acme.customer_message("a real ticket")
    agent = api.agent_socket()
    widget = socketio.test_client(app, namespace="/widget", auth={"company": "acme"})
    return {"/agent": agent, "/widget": widget}


def check_ack(ack, known: bool):
    if not known:  # no handler: nothing happens and nothing is answered
        assert not ack, ack
        return
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), ack
    if isinstance(ack, dict) and not ack["ok"]:
        assert 400 <= ack["error"]["status"] < 500 and ack["error"]["message"], ack


@given(data=st.data())
def test_events_with_junk(clients, data):
    namespace = data.draw(st.sampled_from(["/agent", "/widget"]))
    cls = AgentNamespace if namespace == "/agent" else WidgetNamespace
    event = data.draw(st.one_of(st.sampled_from(handler_events(cls)), st.text(min_size=1, max_size=30)))
    args = data.draw(st.lists(PAYLOAD, min_size=0, max_size=3))
    client = clients[namespace]
    check_ack(client.emit(event, *args, namespace=namespace, callback=True), event in handler_events(cls))
    client.get_received(namespace)
    assert client.is_connected(namespace)


def test_still_working_after_the_junk(clients):
    ack = clients["/widget"].emit("customer_message", {"text": "still there?", "client_id": "ok"}, namespace="/widget",
                                  callback=True)
    assert ack["ok"] and ack["ticket_id"]


@given(auth=st.one_of(JSON, st.fixed_dictionaries({"company": st.one_of(TEXT, st.just("acme")), "token": JSON})))
def test_widget_connections_with_junk_auth(app, socketio, acme, auth):
    client = socketio.test_client(app, namespace="/widget", auth=auth)
    if client.is_connected("/widget"):
        assert [e["name"] for e in client.get_received("/widget")][:1] == ["session"]
        client.disconnect(namespace="/widget")


@given(auth=JSON)
def test_agent_connections_with_junk_auth(app, socketio, acme, make_client, auth):
    api = make_client(acme.agent)
    client = socketio.test_client(app, namespace="/agent", flask_test_client=api.client, auth=auth)
    assert not client.is_connected("/agent")  # junk is never the CSRF token

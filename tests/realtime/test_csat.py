"""Customer satisfaction from the widget, over Socket.IO: rated once, only by the ticket's own
visitor, after resolution; and an AI-answered conversation closed as solved by the AI."""
import pytest

from appliance.domain.models import Message, Ticket
from appliance.services.csat import answered_from_kb
from tests.conftest import Tenant
from tests.realtime.test_sockets import events_named, visitor  # noqa: F401  (the widget client fixture)


def ask(client, text="My order is late", client_id="m1"):
    ack = client.emit("customer_message", {"text": text, "client_id": client_id}, namespace="/widget", callback=True)
    assert ack["ok"], ack
    return ack["ticket_id"]


def rate(client, **data):
    return client.emit("rate", data, namespace="/widget", callback=True)


@pytest.fixture
def resolved(visitor, make_client, acme):  # noqa: F811
    customer = visitor()
    ticket_id = ask(customer)
    agent_api = make_client(acme.agent)
    agent_api.post(f"/api/v1/tickets/{ticket_id}/messages", json={"body": "Sorted, it ships today."})
    agent_api.patch(f"/api/v1/tickets/{ticket_id}", json={"status": "resolved"})
    customer.get_received("/widget")
    return customer, ticket_id, agent_api


def test_a_rating_is_stored_once_and_reaches_the_agents_live(resolved, make_client, globex):
    customer, ticket_id, agent_api = resolved
    agents = agent_api.agent_socket()
    outsider = make_client(globex.agent).agent_socket()
    agents.get_received("/agent")
    ack = rate(customer, ticket_id=ticket_id, score=5, comment="  Lovely, thanks!  ")
    assert ack == {"ok": True, "ticket_id": ticket_id, "score": 5}
    live = events_named(agents, "ticket_rated", "/agent")
    assert live[0]["ticket_id"] == ticket_id
    assert (live[0]["csat"]["score"], live[0]["csat"]["comment"]) == (5, "Lovely, thanks!")
    assert events_named(outsider, "ticket_rated", "/agent") == []
    assert events_named(customer, "rated", "/widget") == [{"ticket_id": ticket_id, "score": 5}]

    detail = agent_api.get(f"/api/v1/tickets/{ticket_id}").get_json()
    assert detail["csat"]["score"] == 5 and detail["csat"]["rated_at"] and detail["resolved_by"] == "agent"

    again = rate(customer, ticket_id=ticket_id, score=1)
    assert again["ok"] is False and again["error"]["status"] == 409 and again["error"]["code"] == "already_rated"
    assert Ticket.get_by_id(ticket_id).csat_score == 5


def test_only_the_tickets_own_visitor_may_rate(resolved, visitor, globex):  # noqa: F811
    _, ticket_id, _ = resolved
    for stranger in (visitor("acme"), visitor("globex")):
        ack = rate(stranger, ticket_id=ticket_id, score=1)
        assert ack["ok"] is False and ack["error"]["status"] == 404
    assert Ticket.get_by_id(ticket_id).csat_score is None


def test_an_open_conversation_cannot_be_rated_yet(visitor, acme):  # noqa: F811
    customer = visitor()
    ticket_id = ask(customer)
    ack = rate(customer, ticket_id=ticket_id, score=4)
    assert ack["ok"] is False and ack["error"]["status"] == 409


@pytest.mark.parametrize("data, field", [
    ({"score": 0}, "score"), ({"score": 6}, "score"), ({"score": "5"}, "score"), ({"score": True}, "score"),
    ({"score": 4.5}, "score"), ({}, "score"), ({"score": 4, "comment": 7}, "comment"),
    ({"score": 4, "comment": "x" * 1001}, "comment"), ({"score": 4, "ticket_id": "1"}, "ticket_id"),
])
def test_invalid_ratings_get_an_error_ack_naming_the_field(resolved, data, field):
    customer, ticket_id, _ = resolved
    ack = rate(customer, **{"ticket_id": ticket_id, **data})
    assert ack["ok"] is False and ack["error"]["status"] == 422
    assert field in ack["error"]["message"] and field in ack["error"]["fields"]
    assert Ticket.get_by_id(ticket_id).csat_score is None
    assert customer.is_connected("/widget")


KB_ANSWER = {"provider": "extractive", "model": "extractive", "cached": False,
             "sources": [{"article_id": 1, "title": "Opening hours", "score": 0.8}]}


@pytest.mark.parametrize("metadata, from_kb", [
    (KB_ANSWER, True), ({**KB_ANSWER, "provider": "ollama", "model": "llama3.2:3b"}, True),
    ({**KB_ANSWER, "provider": "openai", "cached": True}, True),
    ({"provider": "rules", "model": "greeting", "sources": []}, False),
    ({"provider": "rules", "model": "thanks", "sources": KB_ANSWER["sources"]}, False),
    ({**KB_ANSWER, "sources": []}, False), ({}, False), (None, False),
])
def test_only_an_answer_from_the_knowledge_base_counts_as_one(metadata, from_kb):
    assert answered_from_kb(metadata) is from_kb


def test_the_customer_closes_an_ai_answer_as_solved_then_rates_it(services, socketio, app, make_client):
    shop = Tenant(services, "shop", ai=True)
    agents = make_client(shop.agent).agent_socket()
    customer = socketio.test_client(app, namespace="/widget", auth={"company": "shop"})
    ticket_id = ask(customer, "Hello!")  # the AI answers a greeting by itself
    received = customer.get_received("/widget")
    assert any(e["name"] == "message" and e["args"]["author_role"] == "ai" for e in received)
    # a greeting answers no question: saying it solved one would count a deflection that never happened
    ack = customer.emit("ai_solved", {"ticket_id": ticket_id}, namespace="/widget", callback=True)
    assert ack["ok"] is False and ack["error"]["status"] == 409 and "help articles" in ack["error"]["message"]
    assert Ticket.get_by_id(ticket_id).status == "bot"
    services.tickets.post_ai_message(shop.company, Ticket.get_by_id(ticket_id), body="We open at 9:00 [1].",
                                     metadata=KB_ANSWER)
    customer.get_received("/widget")
    agents.get_received("/agent")

    ack = customer.emit("ai_solved", {"ticket_id": ticket_id}, namespace="/widget", callback=True)
    assert ack == {"ok": True, "ticket_id": ticket_id, "status": "resolved"}
    assert events_named(customer, "ticket_status", "/widget") == [{"ticket_id": ticket_id, "status": "resolved"}]
    updated = events_named(agents, "ticket_updated", "/agent")[-1]
    assert (updated["status"], updated["resolved_by"]) == ("resolved", "ai")
    ticket = Ticket.get_by_id(ticket_id)
    assert (ticket.resolved_by, ticket.resolved_by_user_id) == ("ai", None) and ticket.resolved_at

    assert rate(customer, ticket_id=ticket_id, score=4)["ok"] is True
    twice = customer.emit("ai_solved", {"ticket_id": ticket_id}, namespace="/widget", callback=True)
    assert twice["ok"] is False and twice["error"]["status"] == 409


def test_a_conversation_handed_back_to_the_ai_is_solved_by_it_only_once_it_answers_again(
        services, socketio, app, make_client):
    """A person put a handed-over ticket back to the AI: the customer could close it as solved by the
    AI with the AI's answer from before the hand-over (a question it had not solved), and reports
    counted it as an AI deflection. Only the AI's answer to the latest question counts."""
    shop = Tenant(services, "shop", ai=True).add_articles(
        [("Opening hours", "The shop is open from 9:00 to 17:00, Monday to Friday, and 10:00 to 14:00 on Saturdays.")])
    services.companies.update(shop.company, shop.admin, settings={"ai_confidence_threshold": 0})
    customer = socketio.test_client(app, namespace="/widget", auth={"company": "shop"})
    ticket_id = ask(customer, "When are you open on Saturdays?")
    assert answered_from_kb(Message.select().where(Message.ticket == ticket_id).order_by(Message.id.desc())
                            .first().metadata)  # the AI answered from the articles
    ask(customer, "Can I talk to a person please?", client_id="m2")
    assert Ticket.get_by_id(ticket_id).status == "open"  # handed over
    agent = make_client(shop.agent)
    agent.patch(f"/api/v1/tickets/{ticket_id}", json={"assignee_id": shop.agent.id})
    back = agent.patch(f"/api/v1/tickets/{ticket_id}", json={"status": "bot"}).get_json()
    assert (back["status"], back["assignee"]) == ("bot", None)  # it left the person's queue

    ack = customer.emit("ai_solved", {"ticket_id": ticket_id}, namespace="/widget", callback=True)
    assert ack["ok"] is False and ack["error"]["status"] == 409 and "latest question" in ack["error"]["message"]
    assert Ticket.get_by_id(ticket_id).status == "bot"

    ask(customer, "And when are you open on Saturdays in December?", client_id="m3")  # the AI answers again
    ack = customer.emit("ai_solved", {"ticket_id": ticket_id}, namespace="/widget", callback=True)
    assert ack == {"ok": True, "ticket_id": ticket_id, "status": "resolved"}
    assert Ticket.get_by_id(ticket_id).resolved_by == "ai"


def test_only_an_ai_handled_conversation_can_be_closed_as_solved_by_the_ai(visitor, acme):  # noqa: F811
    customer = visitor()
    ticket_id = ask(customer)  # acme's AI is off: the ticket waits for a person
    ack = customer.emit("ai_solved", {"ticket_id": ticket_id}, namespace="/widget", callback=True)
    assert ack["ok"] is False and ack["error"]["status"] == 409
    stranger = visitor()
    ack = stranger.emit("ai_solved", {"ticket_id": ticket_id}, namespace="/widget", callback=True)
    assert ack["ok"] is False and ack["error"]["status"] == 404
    assert Ticket.get_by_id(ticket_id).status == "open"


def test_a_returning_visitor_learns_the_ticket_was_rated(visitor, make_client, acme):  # noqa: F811
    customer = visitor()
    token = events_named(customer, "session", "/widget")[0]["visitor_token"]
    ticket_id = ask(customer)
    make_client(acme.agent).patch(f"/api/v1/tickets/{ticket_id}", json={"status": "resolved"})
    assert events_named(visitor(token=token), "session", "/widget")[0]["ticket_rated"] is False
    assert rate(customer, ticket_id=ticket_id, score=3)["ok"]
    session = events_named(visitor(token=token), "session", "/widget")[0]
    assert (session["ticket_id"], session["ticket_status"], session["ticket_rated"]) == (ticket_id, "resolved", True)


def test_a_returning_visitor_learns_their_conversation_was_finished_and_rated(visitor, make_client, acme):  # noqa: F811
    """What the widget needs to show a finished conversation as the customer left it: its status, when it
    was finished (the notice's place among the messages) and that it was rated (the thanks, no form)."""
    customer = visitor()
    token = events_named(customer, "session", "/widget")[0]["visitor_token"]
    ticket_id = ask(customer)
    agent_api = make_client(acme.agent)
    agent_api.patch(f"/api/v1/tickets/{ticket_id}", json={"status": "resolved"})
    assert rate(customer, ticket_id=ticket_id, score=4)["ok"]
    session = events_named(visitor(token=token), "session", "/widget")[0]
    resolved_at = agent_api.get(f"/api/v1/tickets/{ticket_id}").get_json()["resolved_at"]
    assert (session["ticket_id"], session["ticket_status"], session["ticket_rated"]) == (ticket_id, "resolved", True)
    assert session["ticket_resolved_at"] == resolved_at and resolved_at


def test_a_ticket_merged_into_another_cannot_be_rated(resolved, visitor, acme):  # noqa: F811
    """The merged-away ticket is closed, so it used to accept a rating, though its conversation goes on
    in the target (which the widget follows): that one is rated once it is resolved."""
    customer, target_id, agent_api = resolved
    source_id = ask(customer, "One more thing", client_id="m2")
    agent_api.patch(f"/api/v1/tickets/{source_id}", json={"status": "resolved"})
    assert agent_api.post(f"/api/v1/tickets/{source_id}/merge", json={"target_id": target_id}).status_code == 200
    assert Ticket.get_by_id(source_id).status == "closed"
    ack = rate(customer, ticket_id=source_id, score=5)
    assert ack["ok"] is False and ack["error"]["status"] == 409, ack
    target_number = Ticket.get_by_id(target_id).number
    assert f"merged into conversation #{target_number}" in ack["error"]["message"]
    assert Ticket.get_by_id(source_id).csat_score is None and Ticket.get_by_id(target_id).csat_score is None
    assert rate(customer, ticket_id=target_id, score=4)["ok"] is True  # the conversation that went on

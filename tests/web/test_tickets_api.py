import pytest

from appliance.domain.models import Message


def test_inbox_detail_reply_note_assign_status(agent_client, acme):
    ticket, _ = acme.customer_message("Do you ship to Norway?")
    listing = agent_client.get("/api/v1/tickets").get_json()
    assert listing["total"] == 1 and listing["items"][0]["number"] == 1
    assert listing["items"][0]["customer"]["name"].startswith("Visitor")

    reply = agent_client.post(f"/api/v1/tickets/{ticket.id}/messages", json={"body": "Yes, we do!"})
    assert reply.status_code == 201 and reply.get_json()["author"]["name"] == "acme agent"
    note = agent_client.post(f"/api/v1/tickets/{ticket.id}/messages", json={"body": "check", "private": True})
    assert note.get_json()["private"] is True

    detail = agent_client.get(f"/api/v1/tickets/{ticket.id}").get_json()
    assert [m["author_role"] for m in detail["messages"]] == ["customer", "agent", "agent"]
    assert detail["first_response_at"] and detail["assignee"]["id"] == acme.agent.id

    patched = agent_client.patch(f"/api/v1/tickets/{ticket.id}", json={"status": "resolved", "assignee_id": None})
    assert patched.status_code == 200
    assert patched.get_json()["status"] == "resolved" and patched.get_json()["assignee"] is None
    assert agent_client.get("/api/v1/tickets?status=open").get_json()["total"] == 0
    assert agent_client.get("/api/v1/tickets?status=resolved,closed").get_json()["total"] == 1


@pytest.mark.parametrize("body, field", [
    ({}, "body"),
    ({"body": 42}, "body"),
    ({"body": None}, "body"),
    ({"body": "hi", "private": "yes"}, "private"),
    ({"body": "hi", "private": 1}, "private"),
    ({"body": "x" * 5001}, "body"),
    ({"body": "   "}, "body"),
    ({"body": "hi", "surprise": True}, "surprise"),
])
def test_bad_replies_say_which_field_and_write_nothing(agent_client, acme, body, field):
    ticket, _ = acme.customer_message()
    response = agent_client.post(f"/api/v1/tickets/{ticket.id}/messages", json=body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input"
    assert field in error["fields"] and error["message"].startswith(field)
    assert Message.select().count() == 1


def test_malformed_json_is_a_clear_400(agent_client, acme):
    ticket, _ = acme.customer_message()
    response = agent_client.client.post(f"/api/v1/tickets/{ticket.id}/messages", data="{\"body\": ",
                                        content_type="application/json",
                                        headers={"X-CSRF-Token": agent_client.csrf})
    assert response.status_code in (400, 422)
    assert "JSON" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("query, field", [
    ("status=sleeping", "status"),
    ("limit=0", "limit"),
    ("limit=abc", "limit"),
    ("priority=meh", "priority"),
    ("assignee=someone", "assignee"),
])
def test_bad_filters(agent_client, query, field):
    response = agent_client.get(f"/api/v1/tickets?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["error"]["message"]


def test_oversized_request_is_refused(agent_client, acme, settings):
    ticket, _ = acme.customer_message()
    response = agent_client.post(f"/api/v1/tickets/{ticket.id}/messages",
                                 json={"body": "x" * (settings.max_request_bytes + 10)})
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "too_large" and "2 MB" in error["message"] and "max_request_bytes" in error["message"]


def test_articles_crud(agent_client):
    created = agent_client.post("/api/v1/articles", json={"title": "Returns", "body": "30 days.", "tags": ["Policy"]})
    assert created.status_code == 201
    article = created.get_json()
    assert article["tags"] == ["policy"] and article["published"] is True
    updated = agent_client.put(f"/api/v1/articles/{article['id']}", json={"title": "Returns", "body": "60 days."})
    assert updated.get_json()["body"] == "60 days."
    assert agent_client.get("/api/v1/articles?q=60").get_json()["total"] == 1
    for wildcard in ("%", "_", "6_"):  # LIKE's wildcards are text to find (they matched every article)
        assert agent_client.get(f"/api/v1/articles?q={wildcard.replace('%', '%25')}").get_json()["total"] == 0
    assert agent_client.get("/api/v1/articles?q=RETURNS").get_json()["total"] == 1  # case does not matter
    assert agent_client.delete(f"/api/v1/articles/{article['id']}").status_code == 204
    assert agent_client.get(f"/api/v1/articles/{article['id']}").status_code == 404


def test_openapi_is_generated_and_describes_the_contract(make_client):
    spec = make_client().get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/auth/login", "/api/v1/tickets", "/api/v1/tickets/{ticket_id}",
                 "/api/v1/tickets/{ticket_id}/messages", "/api/v1/articles", "/api/v1/users", "/api/v1/company"):
        assert path in spec["paths"], path
    body = spec["components"]["schemas"]["MessageIn"]
    assert body["required"] == ["body"]


def test_health(make_client):
    response = make_client().get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"


def test_pages_carry_a_strict_content_security_policy(make_client, acme):
    client = make_client()
    console = client.get("/console")
    assert "script-src 'self'" in console.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in console.headers["Content-Security-Policy"]
    chat = client.get("/chat/acme")
    assert chat.status_code == 200 and "frame-ancestors *" in chat.headers["Content-Security-Policy"]
    assert client.get("/chat/no-such-shop").status_code == 404
    assert client.get("/widget.js").headers["Content-Type"].startswith(("text/javascript", "application/javascript"))


def test_length_errors_say_what_to_fix(admin_client):
    """marshmallow's own text was "Length must be between 1 and 120." for an empty name."""
    empty = admin_client.post("/api/v1/canned-replies", json={"title": "", "body": "Hi", "shortcut": "hi"})
    assert empty.status_code == 422 and empty.get_json()["error"]["fields"]["title"] == ["must not be empty"]
    long = admin_client.post("/api/v1/articles", json={"title": "x" * 201, "body": "b"})
    assert long.get_json()["error"]["fields"]["title"] == ["must have at most 200 characters (this has 201)"]
    many = admin_client.post("/api/v1/articles", json={"title": "t", "body": "b", "tags": [f"t{n}" for n in range(21)]})
    assert many.get_json()["error"]["fields"]["tags"] == ["must have at most 20 items (this has 21)"]
    both = admin_client.post("/api/v1/articles", json={"title": "", "body": ""}).get_json()["error"]
    assert both["message"] == "title: must not be empty; body: must not be empty"  # every field, not the first

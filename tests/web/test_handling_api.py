"""HTTP API for canned replies, tags, merging and search."""
import pytest

from appliance.domain.models import CannedReply, Message, TicketMerge, TicketTag


@pytest.fixture
def named_ticket(acme, services):
    customer, _ = services.customers.start_visit(acme.company)
    services.customers.identify(customer, name="Grace Hopper")
    ticket, _ = acme.customer_message("Where is my order?", customer=customer)
    return ticket


def test_canned_reply_crud_and_rendering(agent_client, admin_client, named_ticket):
    created = agent_client.post("/api/v1/canned-replies", json={
        "title": "Order status", "shortcut": "order", "body": "Hi {{customer.name}}, #{{ticket.number}} ships today. {{agent.name}}"})
    assert created.status_code == 201, created.get_json()
    reply = created.get_json()
    assert reply["shared"] is False and reply["editable"] is True and reply["shortcut"] == "order"

    listing = agent_client.get("/api/v1/canned-replies").get_json()
    assert [r["id"] for r in listing["items"]] == [reply["id"]]
    assert "customer.name" in listing["placeholders"]
    assert admin_client.get("/api/v1/canned-replies").get_json()["items"] == []  # personal: the agent's own
    assert admin_client.get(f"/api/v1/canned-replies/{reply['id']}").status_code == 404
    assert admin_client.get(f"/api/v1/canned-replies/{reply['id']}/render?ticket_id={named_ticket.id}").status_code == 404

    rendered = agent_client.get(f"/api/v1/canned-replies/{reply['id']}/render?ticket_id={named_ticket.id}")
    assert rendered.status_code == 200
    assert rendered.get_json()["body"] == f"Hi Grace Hopper, #{named_ticket.number} ships today. acme agent"
    assert rendered.get_json()["fallbacks"] == []

    patched = agent_client.patch(f"/api/v1/canned-replies/{reply['id']}", json={"title": "Order update"})
    assert patched.status_code == 200 and patched.get_json()["title"] == "Order update"
    assert agent_client.delete(f"/api/v1/canned-replies/{reply['id']}").status_code == 204
    assert agent_client.get(f"/api/v1/canned-replies/{reply['id']}").status_code == 404


def test_shared_replies_are_managed_by_admins_and_used_by_everyone(agent_client, admin_client, named_ticket):
    refused = agent_client.post("/api/v1/canned-replies", json={"title": "T", "shortcut": "t", "body": "b",
                                                                "shared": True})
    assert refused.status_code == 403 and "admin" in refused.get_json()["error"]["message"]
    shared = admin_client.post("/api/v1/canned-replies", json={"title": "Thanks", "shortcut": "thanks",
                                                               "body": "Thanks, {{customer.first_name}}!", "shared": True})
    assert shared.status_code == 201
    reply = shared.get_json()
    seen = agent_client.get("/api/v1/canned-replies").get_json()["items"]
    assert [(r["id"], r["editable"]) for r in seen] == [(reply["id"], False)]
    assert agent_client.patch(f"/api/v1/canned-replies/{reply['id']}", json={"body": "x"}).status_code == 403
    assert agent_client.delete(f"/api/v1/canned-replies/{reply['id']}").status_code == 403
    rendered = agent_client.get(f"/api/v1/canned-replies/{reply['id']}/render?ticket_id={named_ticket.id}")
    assert rendered.get_json()["body"] == "Thanks, Grace!"
    assert agent_client.get("/api/v1/canned-replies?q=than").get_json()["items"][0]["id"] == reply["id"]
    assert agent_client.get("/api/v1/canned-replies?q=nothing").get_json()["items"] == []
    assert agent_client.get("/api/v1/canned-replies?q=%25").get_json()["items"] == []  # "%" is text, not "anything"
    assert agent_client.get("/api/v1/canned-replies?q=THAN").get_json()["items"][0]["id"] == reply["id"]


@pytest.mark.parametrize("body, field, words", [
    ({"title": "T", "shortcut": "t", "body": "Hi {{customer.nickname}}"}, "body", "{{customer.nickname}}"),
    ({"title": "T", "shortcut": "t t", "body": "b"}, "shortcut", "lowercase"),
    ({"title": "", "shortcut": "t", "body": "b"}, "title", ""),
    ({"title": "T", "shortcut": "t"}, "body", ""),
    ({"title": "T", "shortcut": "t", "body": "b", "shared": "yes"}, "shared", ""),
    ({"title": "T", "shortcut": "t", "body": "b", "extra": 1}, "extra", ""),
])
def test_bad_canned_replies_are_422_naming_the_field(agent_client, body, field, words):
    response = agent_client.post("/api/v1/canned-replies", json=body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert field in error["fields"] and words in error["message"]
    assert CannedReply.select().count() == 0


def test_render_needs_a_ticket_of_the_company(agent_client, acme, globex, named_ticket):
    reply = agent_client.post("/api/v1/canned-replies", json={"title": "T", "shortcut": "t", "body": "b"}).get_json()
    theirs, _ = globex.customer_message()
    assert agent_client.get(f"/api/v1/canned-replies/{reply['id']}/render").status_code == 422
    assert agent_client.get(f"/api/v1/canned-replies/{reply['id']}/render?ticket_id=abc").status_code == 422
    assert agent_client.get(f"/api/v1/canned-replies/{reply['id']}/render?ticket_id={theirs.id}").status_code == 404


def test_tags_in_ticket_views_and_the_list_filter(agent_client, acme, named_ticket):
    other, _ = acme.customer_message("Another")
    added = agent_client.post(f"/api/v1/tickets/{named_ticket.id}/tags", json={"tag": "Late Delivery"})
    assert added.status_code == 200 and added.get_json()["tags"] == ["late-delivery"]
    agent_client.post(f"/api/v1/tickets/{named_ticket.id}/tags", json={"tag": "vip"})
    agent_client.post(f"/api/v1/tickets/{other.id}/tags", json={"tag": "vip"})
    assert agent_client.get(f"/api/v1/tickets/{named_ticket.id}").get_json()["tags"] == ["late-delivery", "vip"]

    listing = agent_client.get("/api/v1/tickets?tag=late-delivery").get_json()
    assert [t["id"] for t in listing["items"]] == [named_ticket.id] and listing["items"][0]["tags"] == ["late-delivery", "vip"]
    assert agent_client.get("/api/v1/tickets?tag=vip").get_json()["total"] == 2
    assert agent_client.get("/api/v1/tickets?tag=vip,late-delivery").get_json()["total"] == 1
    assert agent_client.get("/api/v1/tags").get_json()["items"] == [{"name": "vip", "count": 2},
                                                                    {"name": "late-delivery", "count": 1}]
    removed = agent_client.delete(f"/api/v1/tickets/{named_ticket.id}/tags/vip")
    assert removed.status_code == 200 and removed.get_json()["tags"] == ["late-delivery"]

    bad = agent_client.post(f"/api/v1/tickets/{named_ticket.id}/tags", json={"tag": "a/b"})
    assert bad.status_code == 422 and "tag" in bad.get_json()["error"]["fields"]
    assert agent_client.get("/api/v1/tickets?tag=a/b").status_code == 422


def test_priority_changes_through_the_api(agent_client, named_ticket):
    patched = agent_client.patch(f"/api/v1/tickets/{named_ticket.id}", json={"priority": "urgent"})
    assert patched.status_code == 200 and patched.get_json()["priority"] == "urgent"
    assert agent_client.get("/api/v1/tickets?priority=urgent").get_json()["total"] == 1


def test_merge_through_the_api(agent_client, acme, services, named_ticket):
    services.tickets.update(acme.company, acme.agent, named_ticket.id, status="resolved")
    source, _ = acme.customer_message("Still no parcel", customer=named_ticket.customer)
    stranger, _ = acme.customer_message("Someone else")
    response = agent_client.post(f"/api/v1/tickets/{source.id}/merge", json={"target_id": named_ticket.id})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["source"]["status"] == "closed" and body["target"]["id"] == named_ticket.id
    # the customer's open question now lives in the resolved ticket: it is open again, still waiting
    assert body["target"]["status"] == "open" and body["target"]["waiting_since"] == body["source"]["created_at"]

    target = agent_client.get(f"/api/v1/tickets/{named_ticket.id}").get_json()
    assert [m["body"] for m in target["messages"]][:2] == ["Where is my order?", "Still no parcel"]
    assert target["merged_from"] == [{"id": source.id, "number": source.number}] and target["merged_into"] is None
    closed = agent_client.get(f"/api/v1/tickets/{source.id}").get_json()
    assert closed["merged_into"] == {"id": named_ticket.id, "number": named_ticket.number}
    assert closed["messages"][0]["author_role"] == "system" and f"#{named_ticket.number}" in closed["messages"][0]["body"]

    # what the console's merge dialog offers: the customer's tickets that were not merged away
    mine = f"/api/v1/tickets?customer={named_ticket.customer_id}"
    assert [t["id"] for t in agent_client.get(f"{mine}&merged=false").get_json()["items"]] == [named_ticket.id]
    assert [t["id"] for t in agent_client.get(f"{mine}&merged=true").get_json()["items"]] == [source.id]
    assert agent_client.get(f"{mine}&merged=yes").status_code == 422

    again = agent_client.post(f"/api/v1/tickets/{source.id}/merge", json={"target_id": named_ticket.id})
    assert again.status_code == 409 and "already merged" in again.get_json()["error"]["message"]
    other = agent_client.post(f"/api/v1/tickets/{stranger.id}/merge", json={"target_id": named_ticket.id})
    assert other.status_code == 409 and "different customers" in other.get_json()["error"]["message"]
    itself = agent_client.post(f"/api/v1/tickets/{stranger.id}/merge", json={"target_id": stranger.id})
    assert itself.status_code == 422 and "target_id" in itself.get_json()["error"]["fields"]
    assert agent_client.post(f"/api/v1/tickets/{stranger.id}/merge", json={"target_id": "x"}).status_code == 422
    assert TicketMerge.select().count() == 1


@pytest.mark.parametrize("q", ['"', "*", 'or "', "NEAR(", "a:b", "🙂", "%_", "-", "((", "Grace*"])
def test_search_never_fails_on_odd_input(agent_client, named_ticket, q):
    response = agent_client.get("/api/v1/tickets", query_string={"q": q})
    assert response.status_code == 200, response.get_json()


def test_search_finds_private_notes_for_agents(agent_client, named_ticket):
    agent_client.post(f"/api/v1/tickets/{named_ticket.id}/messages", json={"body": "escalated to warehouse",
                                                                          "private": True})
    items = agent_client.get("/api/v1/tickets?q=warehouse").get_json()["items"]
    assert [t["id"] for t in items] == [named_ticket.id]
    assert agent_client.get("/api/v1/tickets?q=grace").get_json()["total"] == 1


def test_search_finds_a_customer_without_a_name_by_the_name_the_console_shows(agent_client, acme, globex):
    ticket, _ = acme.customer_message("Where is my order?")
    shown = agent_client.get(f"/api/v1/tickets/{ticket.id}").get_json()["customer"]["name"]
    assert shown == f"Visitor {ticket.customer_id}"
    for q in (shown, shown.lower(), f"visitor #{ticket.customer_id}"):
        assert [t["id"] for t in agent_client.get("/api/v1/tickets", query_string={"q": q}).get_json()["items"]] \
            == [ticket.id]
    other, _ = globex.customer_message("Not yours")
    assert agent_client.get("/api/v1/tickets", query_string={"q": f"Visitor {other.customer_id}"}).get_json()[
        "items"] == []


def test_hash_and_a_number_finds_that_ticket_number_only(agent_client, acme):
    """"#2" used to find also the tickets whose text holds a 2 ("Visitor 2", an order number); a bare
    "2" still finds those too."""
    mentions, _ = acme.customer_message("Where is my order?")
    wanted = mentions.number + 1
    agent_client.post(f"/api/v1/tickets/{mentions.id}/messages", json={"body": f"Order {wanted} left today"})
    numbered, _ = acme.customer_message("Another question")
    assert numbered.number == wanted

    def found(q):
        return {t["id"] for t in agent_client.get("/api/v1/tickets", query_string={"q": q}).get_json()["items"]}
    assert found(f"#{wanted}") == {numbered.id}
    assert found(str(wanted)) == {numbered.id, mentions.id}


# ---- tenancy -----------------------------------------------------------------------------------

@pytest.fixture
def globex_things(globex, services):
    ticket, _ = globex.customer_message("globex zeppelin secret")
    services.tags.add(globex.company, globex.agent, ticket.id, "globex-only")
    reply = services.canned.create(globex.company, globex.admin, title="G", shortcut="g", body="b", shared=True)
    return ticket, reply


def test_company_b_never_sees_company_a(admin_client, acme, globex_things, named_ticket):
    ticket, reply = globex_things
    mine = admin_client.post("/api/v1/canned-replies", json={"title": "A", "shortcut": "a", "body": "b"}).get_json()
    for method, url, body in [
        ("get", f"/api/v1/canned-replies/{reply.id}", None),
        ("patch", f"/api/v1/canned-replies/{reply.id}", {"title": "pwned"}),
        ("delete", f"/api/v1/canned-replies/{reply.id}", None),
        ("get", f"/api/v1/canned-replies/{reply.id}/render?ticket_id={named_ticket.id}", None),
        ("get", f"/api/v1/canned-replies/{mine['id']}/render?ticket_id={ticket.id}", None),
        ("post", f"/api/v1/tickets/{ticket.id}/tags", {"tag": "pwned"}),
        ("delete", f"/api/v1/tickets/{ticket.id}/tags/globex-only", None),
        ("post", f"/api/v1/tickets/{ticket.id}/merge", {"target_id": named_ticket.id}),
        ("post", f"/api/v1/tickets/{named_ticket.id}/merge", {"target_id": ticket.id}),
    ]:
        call = getattr(admin_client, method)
        response = call(url, json=body) if body is not None else call(url)
        assert response.status_code == 404, (method, url, response.get_json())
    assert admin_client.get("/api/v1/canned-replies").get_json()["items"] == [mine]
    assert admin_client.get("/api/v1/tags").get_json()["items"] == []
    assert admin_client.get("/api/v1/tickets?tag=globex-only").get_json()["total"] == 0
    assert admin_client.get("/api/v1/tickets?q=zeppelin").get_json()["total"] == 0
    assert CannedReply.get_by_id(reply.id).title == "G"
    assert [t.name for t in TicketTag.select().where(TicketTag.ticket == ticket.id)] == ["globex-only"]
    assert Message.select().where(Message.ticket == ticket.id).count() == 1

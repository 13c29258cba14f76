"""Company A's login must never reach company B's objects: every route answers 404."""
import pytest

from appliance.domain.models import Article, Message, Ticket, User


@pytest.fixture
def b_objects(globex, services):
    ticket, _ = globex.customer_message("globex secret")
    article = services.articles.create(globex.company, globex.admin, title="Globex internal", body="secret")
    return {"ticket": ticket.id, "article": article.id, "user": globex.agent.id}


ROUTES = [
    ("get", "/api/v1/tickets/{ticket}", None),
    ("patch", "/api/v1/tickets/{ticket}", {"status": "closed"}),
    ("post", "/api/v1/tickets/{ticket}/messages", {"body": "hello from acme"}),
    ("post", "/api/v1/tickets/{ticket}/messages", {"body": "note", "private": True}),
    ("get", "/api/v1/articles/{article}", None),
    ("put", "/api/v1/articles/{article}", {"title": "pwned", "body": "pwned"}),
    ("delete", "/api/v1/articles/{article}", None),
    ("patch", "/api/v1/users/{user}", {"name": "pwned"}),
]


@pytest.mark.parametrize("method, url, body", ROUTES)
def test_other_companys_objects_answer_404(admin_client, b_objects, method, url, body):
    call = getattr(admin_client, method)
    url = url.format(**b_objects)
    response = call(url, json=body) if body is not None else call(url)
    assert response.status_code == 404, (url, response.get_json())
    assert "globex" not in response.get_data(as_text=True).lower()


def test_b_objects_are_untouched(admin_client, b_objects):
    for method, url, body in ROUTES:
        call = getattr(admin_client, method)
        call(url.format(**b_objects), json=body) if body is not None else call(url.format(**b_objects))
    ticket = Ticket.get_by_id(b_objects["ticket"])
    assert ticket.status == "open" and Message.select().where(Message.ticket == ticket).count() == 1
    assert Article.get_by_id(b_objects["article"]).title == "Globex internal"
    assert User.get_by_id(b_objects["user"]).name == "globex agent"


def test_lists_show_only_own_company(admin_client, b_objects, acme):
    acme.customer_message("acme question")
    tickets = admin_client.get("/api/v1/tickets").get_json()["items"]
    assert [t["subject"] for t in tickets] == ["acme question"]
    assert admin_client.get("/api/v1/articles").get_json()["total"] == 0
    emails = {u["email"] for u in admin_client.get("/api/v1/users").get_json()["items"]}
    assert emails == {"admin@acme.test", "agent@acme.test"}
    assert admin_client.get("/api/v1/tickets?q=globex").get_json()["total"] == 0
    assert all(e["target_id"] != b_objects["ticket"] for e in admin_client.get("/api/v1/audit").get_json()["items"]
               if e["target_type"] == "ticket")

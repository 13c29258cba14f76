"""The model manager against the Ollama test double: list, pull with progress, choose, test; and
what it says when Ollama is absent."""
from __future__ import annotations

import pytest

from appliance.domain.models import Message
from tests.conftest import ApiClient


@pytest.fixture
def admin(ai_app, shop):
    client = ApiClient(ai_app.test_client())
    assert client.login(shop.admin.email).status_code == 200
    return client


@pytest.fixture
def admin_socket(admin):
    socket = admin.agent_socket()
    assert socket.is_connected("/agent")
    socket.get_received("/agent")
    return socket


def pull_events(socket):
    return [e["args"][0] for e in socket.get_received("/agent") if e["name"] == "model_pull"]


def test_lists_the_host_its_models_and_the_model_that_answers(admin, fake_ollama):
    body = admin.get("/api/v1/models").get_json()
    assert body["reachable"] is True and body["host"] == fake_ollama.url
    assert [m["name"] for m in body["models"]] == ["llama3.2:3b"]
    assert body["models"][0]["parameter_size"] == "3.2B"
    assert body["active_model"] == "llama3.2:3b" and body["active_installed"] is True
    assert {r["name"]: r["installed"] for r in body["recommended"]}["llama3.2:3b"] is True
    assert body["install_help"] is None


def test_pull_relays_progress_to_the_admins_console_and_installs_the_model(admin, admin_socket, fake_ollama):
    fake_ollama.pullable = {"qwen2.5:3b": 4_000_000}
    response = admin.post("/api/v1/models/pull", json={"model": "qwen2.5:3b"})
    assert response.status_code == 202
    pull_id = response.get_json()["pull_id"]
    events = pull_events(admin_socket)
    assert {e["pull_id"] for e in events} == {pull_id} and {e["model"] for e in events} == {"qwen2.5:3b"}
    assert events[-1]["state"] == "done" and all(e["state"] == "running" for e in events[:-1])
    layer = [e for e in events if e["total"]]
    assert [e["completed"] for e in layer] == [0, 1_000_000, 2_000_000, 3_000_000, 4_000_000]
    assert {e["total"] for e in layer} == {4_000_000}
    assert [e["status"] for e in events if not e["total"]] == [
        "starting", "pulling manifest", "verifying sha256 digest", "writing manifest", "success"]
    names = [m["name"] for m in admin.get("/api/v1/models").get_json()["models"]]
    assert "qwen2.5:3b" in names


def test_a_failed_pull_says_why(admin, admin_socket, fake_ollama):
    assert admin.post("/api/v1/models/pull", json={"model": "nosuch:1b"}).status_code == 202
    last = pull_events(admin_socket)[-1]
    assert last["state"] == "failed" and "file does not exist" in last["message"]


def ask(app, text, client_id):
    visitor = app.extensions["socketio"].test_client(app, namespace="/widget", auth={"company": "bikes"})
    ack = visitor.emit("customer_message", {"text": text, "client_id": client_id}, namespace="/widget", callback=True)
    assert ack["ok"], ack
    return Message.select().where(Message.author_role == "ai").order_by(Message.id.desc()).get()


def test_choosing_a_model_makes_the_next_answer_use_it(ai_app, admin, fake_ollama, shop):
    before = ask(ai_app, "How long until I get my refund?", "m0")  # answered, and cached
    assert before.metadata["model"] == "llama3.2:3b"
    refused = admin.put("/api/v1/models/active", json={"model": "qwen2.5:3b"})
    assert refused.status_code == 422 and "pull it first" in refused.get_json()["error"]["fields"]["model"][0]
    fake_ollama.add_model("qwen2.5:3b")
    chosen = admin.put("/api/v1/models/active", json={"model": "qwen2.5:3b"})
    assert chosen.status_code == 200 and chosen.get_json() == {"active_model": "qwen2.5:3b"}
    assert admin.get("/api/v1/models").get_json()["active_model"] == "qwen2.5:3b"

    answer = ask(ai_app, "How long until I get my refund?", "m1")  # the same question: not from the cache
    assert fake_ollama.chat_requests()[-1]["model"] == "qwen2.5:3b"
    assert answer.metadata["model"] == "qwen2.5:3b" and answer.metadata["provider"] == "ollama"
    assert not answer.metadata.get("cached")
    audit = admin.get("/api/v1/audit").get_json()["items"][0]
    assert audit["action"] == "installation.updated"


def test_the_choice_survives_a_restart(make_ai_app, fake_ollama, shop, admin):
    fake_ollama.add_model("qwen2.5:3b")
    assert admin.put("/api/v1/models/active", json={"model": "qwen2.5:3b"}).status_code == 200
    hearth = admin.client.application.extensions["hearth"]
    assert hearth.responder.chains.local().model == "qwen2.5:3b"
    # a new Hearth on the same data dir reads the stored choice
    from appliance.app import create_app
    from appliance.services import run_now

    again = create_app(hearth.settings, async_mode="threading", spawn=run_now).extensions["hearth"]
    assert again.responder.chains.local().model == "qwen2.5:3b"


def test_one_test_question_shows_the_answer_and_latency(admin, fake_ollama):
    hearth = admin.client.application.extensions["hearth"]
    readings = iter([100.0, 100.25])
    hearth.models.monotonic = lambda: next(readings)  # an injected clock: 250 ms between start and end
    response = admin.post("/api/v1/models/test", json={"question": "Are you there?"})
    assert response.status_code == 200
    assert response.get_json() == {"model": "llama3.2:3b", "question": "Are you there?",
                                   "answer": "Refunds take 5 business days [1].", "latency_ms": 250}
    assert fake_ollama.chat_requests()[-1]["messages"][-1]["content"] == "Are you there?"


def test_only_admins_manage_models_and_names_are_checked(ai_app, admin, shop):
    agent = ApiClient(ai_app.test_client())
    agent.login(shop.agent.email)
    assert agent.get("/api/v1/models").status_code == 403
    assert agent.post("/api/v1/models/pull", json={"model": "llama3.2:1b"}).status_code == 403
    bad = admin.post("/api/v1/models/pull", json={"model": "../../etc/passwd evil"})
    assert bad.status_code == 422 and "model" in bad.get_json()["error"]["fields"]


@pytest.fixture
def absent(make_ai_app):
    """A Hearth whose Ollama host refuses connections (nothing listens on port 9)."""
    app = make_ai_app(ollama_host="http://127.0.0.1:9")
    hearth = app.extensions["hearth"]
    from tests.conftest import Tenant
    from tests.ai.conftest import ARTICLES

    tenant = Tenant(hearth, "bikes", ai=True).add_articles(ARTICLES)
    client = ApiClient(app.test_client())
    assert client.login(tenant.admin.email).status_code == 200
    return app, client


def test_without_ollama_it_says_how_to_get_it_and_answers_extractively(absent):
    app, admin = absent
    body = admin.get("/api/v1/models").get_json()
    assert body["reachable"] is False and body["models"] == []
    assert "ollama.com" in body["install_help"] and "quoting the best matching help article" in body["install_help"]
    tested = admin.post("/api/v1/models/test", json={})
    assert tested.status_code == 503 and "not reachable" in tested.get_json()["error"]["message"]
    assert admin.put("/api/v1/models/active", json={"model": "llama3.2:3b"}).status_code == 503

    visitor = app.extensions["socketio"].test_client(app, namespace="/widget", auth={"company": "bikes"})
    ack = visitor.emit("customer_message", {"text": "How long until I get my refund?", "client_id": "e1"},
                       namespace="/widget", callback=True)
    assert ack["ok"], ack
    answer = Message.select().where(Message.author_role == "ai").get()
    assert answer.metadata["provider"] == "extractive" and "Refunds and returns" in answer.body

"""AI health: the local model's state from a real (closed or fake) Ollama, the window's figures,
alerts raised once when a threshold is crossed and cleared once, pushed live to admins only."""
from __future__ import annotations

import pytest

from appliance.app import create_app
from appliance.db import close_database
from appliance.services import run_now
from appliance.settings import Settings
from tests.llm.fake_ollama import FakeOllama, Mode


@pytest.fixture
def app(clocked_app):
    return clocked_app


def pushed(client) -> list[dict]:
    return [e["args"][0] for e in client.get_received("/agent") if e["name"] == "health_alert"]


def answer(services, tenant, ticket, *, seconds: float, failed: bool = False, cached: bool = False):
    meta = {"provider": "ollama", "model": "llama3.2:3b", "sources": [], "latency_ms": round(seconds * 1000)}
    if failed:
        meta = {**meta, "provider": "extractive", "model": "best-passage",
                "fallbacks": ["ollama: Ollama at http://127.0.0.1:9 is not reachable"]}
    if cached:
        meta["cached"] = True
    services.tickets.post_ai_message(tenant.company, ticket, body="An answer.", metadata=meta)


def test_an_unreachable_local_model_alerts_admins_once(services, admin_client, agent_client, acme, globex,
                                                       make_client):
    admin_socket, agent_socket = admin_client.agent_socket(), agent_client.agent_socket()
    pushed(admin_socket), pushed(agent_socket)

    changed = services.health.check()
    assert {(company_id, a.kind, a.state) for company_id, a in changed} == {
        (acme.company.id, "local_model", "raised"), (globex.company.id, "local_model", "raised")}
    alerts = pushed(admin_socket)
    assert [(a["kind"], a["state"]) for a in alerts] == [("local_model", "raised")]
    assert "127.0.0.1:9" in alerts[0]["message"]
    assert pushed(agent_socket) == []  # admins only

    assert services.health.check() == []  # still unreachable: no second alert
    assert pushed(admin_socket) == []

    report = admin_client.get("/api/v1/health").get_json()
    assert report["local_model"]["state"] == "unreachable" and "127.0.0.1:9" in report["local_model"]["detail"]
    assert report["cloud"]["state"] == "offline-only"
    assert [a["kind"] for a in report["alerts"]] == ["local_model"]
    assert report["thresholds"] == {"failure_rate": 0.05, "p95_latency": 5.0, "cache_misses": 0.4, "min_samples": 5}
    assert agent_client.get("/api/v1/health").status_code == 403
    admin_socket.disconnect(namespace="/agent")
    agent_socket.disconnect(namespace="/agent")


def test_failure_rate_latency_and_cache_alerts_cross_and_clear(services, admin_client, acme, globex, clock):
    admin_socket = admin_client.agent_socket()
    pushed(admin_socket)
    ticket, _ = acme.customer_message("Where is my order?")
    answer(services, acme, ticket, seconds=0.4, cached=True)
    answer(services, acme, ticket, seconds=0.4, cached=True)
    answer(services, acme, ticket, seconds=0.6)
    answer(services, acme, ticket, seconds=0.8)
    assert pushed(admin_socket) == []  # fewer answers than health_min_samples: no verdict yet

    answer(services, acme, ticket, seconds=7.5, failed=True)  # the fifth: 1 of 5 failed, p95 7.5 s, 3 of 5 missed
    raised = pushed(admin_socket)
    assert sorted((a["kind"], a["state"]) for a in raised) == [
        ("cache_misses", "raised"), ("failure_rate", "raised"), ("p95_latency", "raised")]
    by_kind = {a["kind"]: a for a in raised}
    assert by_kind["failure_rate"]["value"] == pytest.approx(0.2)
    assert by_kind["p95_latency"]["value"] == pytest.approx(7.5)
    assert by_kind["cache_misses"]["value"] == pytest.approx(0.6)

    window = admin_client.get("/api/v1/health").get_json()["window"]
    assert (window["answers"], window["failures"], window["cache_hits"]) == (5, 1, 2)
    assert window["cache_hit_rate"] == pytest.approx(0.4)
    other = services.health.window(globex.company.id)
    assert other["answers"] == 0  # per company

    # the window moves on past the answers (an injected "now"): every alert clears, once
    clock.advance(minutes=services.settings.health_window_minutes, seconds=1)
    services.health.check()
    cleared = [a for a in pushed(admin_socket) if a["kind"] != "local_model"]
    assert sorted((a["kind"], a["state"]) for a in cleared) == [
        ("cache_misses", "cleared"), ("failure_rate", "cleared"), ("p95_latency", "cleared")]
    services.health.check()
    assert [a for a in pushed(admin_socket) if a["kind"] != "local_model"] == []
    history = admin_client.get("/api/v1/health").get_json()["history"]
    assert [h["state"] for h in history if h["kind"] == "failure_rate"] == ["cleared", "raised"]
    admin_socket.disconnect(namespace="/agent")


def test_answers_during_a_known_outage_are_not_failures_of_their_own(services, admin_client, acme):
    """A desk without Ollama answers from its articles: one alert (the local model), not a second
    one saying 100% of answers failed."""
    services.health.check()  # the local model (127.0.0.1:9) is found unreachable
    ticket, _ = acme.customer_message("Where is my order?")
    for _ in range(6):
        answer(services, acme, ticket, seconds=0.2, failed=True, cached=False)
    report = admin_client.get("/api/v1/health").get_json()
    assert report["window"]["answers"] == 6 and report["window"]["failures"] == 0
    assert "failure_rate" not in [a["kind"] for a in report["alerts"]]


def test_the_local_model_alert_clears_when_ollama_answers(tmp_path):
    with FakeOllama(mode=Mode.HTTP_500) as fake:
        settings = Settings.load({"data_dir": str(tmp_path / "d"), "embedder": "hashing", "ollama_host": fake.url,
                                  "llm_timeout": 2.0}, environ={})
        app = create_app(settings, async_mode="threading", spawn=run_now)
        try:
            services = app.extensions["hearth"]
            company, _ = services.companies.create(name="Acme", slug="acme", admin_email="a@acme.test",
                                                   admin_password="correct-horse-battery")
            assert [(a.kind, a.state) for _, a in services.health.check()] == [("local_model", "raised")]
            fake.mode = Mode.NORMAL
            assert [(a.kind, a.state) for _, a in services.health.check()] == [("local_model", "cleared")]
            report = services.health.report(company)
            assert report["local_model"]["state"] == "ready" and "llama3.2:3b" in report["local_model"]["models"]
            assert report["alerts"] == []
            fake.models = ["qwen2.5:0.5b"]  # reachable, but the configured model is missing
            report = services.health.report(company)
            assert report["local_model"]["state"] == "unreachable" and "ollama pull" in report["local_model"]["detail"]
            assert [a["kind"] for a in report["alerts"]] == ["local_model"]
        finally:
            close_database()

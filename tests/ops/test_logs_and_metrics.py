"""Structured logs (JSON lines with a correlation id, rotated) and /metrics (Prometheus' format)."""
from __future__ import annotations

import dataclasses
import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from appliance.domain.models import Ticket
from appliance.logs import configure_logging
from tests.conftest import PASSWORD


@pytest.fixture
def json_logs(settings):
    """Logging configured as the server does at start-up, undone afterwards."""
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    configure_logging(settings)
    yield settings.path / "logs" / "hearth.log"
    for handler in root.handlers:
        handler.close()
    root.handlers[:], root.level = saved, level


def lines(path) -> list[dict]:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_each_request_logs_json_with_its_correlation_id(json_logs, admin_client, acme):
    response = admin_client.get("/api/v1/tickets", headers={"X-Request-Id": "trace-abc.123"})
    assert response.headers["X-Request-Id"] == "trace-abc.123"
    made = admin_client.get("/api/v1/tickets", headers={"X-Request-Id": "bad id; with <spaces>"})
    fresh = made.headers["X-Request-Id"]
    assert fresh != "bad id; with <spaces>" and len(fresh) == 16 and fresh.isalnum()
    other = admin_client.get("/api/v1/tickets").headers["X-Request-Id"]
    assert other != fresh

    records = lines(json_logs)
    access = [r for r in records if r.get("route") == "/api/v1/tickets"]
    assert [r["request_id"] for r in access] == ["trace-abc.123", fresh, other]
    for record in access:
        assert {"time", "level", "logger", "message", "status", "duration_ms", "method"} <= record.keys()
        assert record["status"] == 200 and record["level"] == "INFO"


def test_a_socket_event_gets_its_own_correlation_id(json_logs, admin_client, acme):
    logging.getLogger().setLevel(logging.DEBUG)
    ticket, _ = acme.customer_message("Where is my order?")
    client = admin_client.agent_socket()
    for ticket_id in (ticket.id, 999_999):
        client.emit("view_ticket", {"ticket_id": ticket_id}, namespace="/agent", callback=True)
    client.disconnect(namespace="/agent")

    events = [r for r in lines(json_logs) if r.get("socket_event") == "view_ticket"]
    assert len(events) == 2
    ids = [r["request_id"] for r in events]
    assert all(ids) and ids[0] != ids[1]
    from appliance.logs import request_id

    assert request_id.get() is None  # reset once the event is handled


def test_no_password_secret_or_message_body_reaches_the_log(json_logs, make_client, acme, receiver):
    admin = make_client(acme.admin)
    hook = admin.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["message.created"]}).get_json()
    ticket, _ = acme.customer_message("my card number is 4111-1111 please help")
    admin.post(f"/api/v1/tickets/{ticket.id}/messages", json={"body": "private reply text xyzzy"})
    make_client().login(acme.admin.email, "wrong-password-123")
    text = json_logs.read_text(encoding="utf-8")
    for secret in (PASSWORD, "wrong-password-123", hook["secret"], "4111-1111", "xyzzy", admin.csrf):
        assert secret not in text
    assert '"route": "/api/v1/auth/login"' in text  # the requests themselves were logged


def test_the_log_rotates_by_size(settings, json_logs):
    small = dataclasses.replace(settings, log_max_bytes=2000, log_backups=2)
    configure_logging(small)
    log = logging.getLogger("appliance.test")
    for n in range(100):
        log.info("line %d of a long enough log message to fill the file", n)
    for handler in logging.getLogger().handlers:
        handler.flush()
    folder = json_logs.parent
    assert sorted(p.name for p in folder.iterdir()) == ["hearth.log", "hearth.log.1", "hearth.log.2"]
    assert all(p.stat().st_size <= 2000 for p in folder.iterdir())
    newest = lines(json_logs)[-1]
    assert newest["message"] == "line 99 of a long enough log message to fill the file"


def scrape(client, **kw) -> dict:
    response = client.get("/metrics", **kw)
    assert response.status_code == 200, response.data
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return {f.name: f for f in text_string_to_metric_families(response.get_data(as_text=True))}


def sample(families, name, **labels):
    family_name = name.removesuffix("_total").removesuffix("_count").removesuffix("_sum")
    for family in families.values():
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    raise AssertionError(f"no sample {name} {labels} in {family_name}")


def test_metrics_count_real_requests_tickets_and_ai_answers(app, admin_client, acme, globex, services):
    for _ in range(3):
        assert admin_client.get("/api/v1/tickets").status_code == 200
    assert admin_client.get("/api/v1/tickets/999999").status_code == 404
    ticket, _ = acme.customer_message("Where is my parcel?")
    globex.customer_message("Hello")
    Ticket.update(status="bot").where(Ticket.id == ticket.id).execute()  # with the AI, as when it answers
    services.tickets.post_ai_message(acme.company, ticket, body="It ships tomorrow.", metadata={
        "provider": "extractive", "model": "best-passage", "latency_ms": 1500, "sources": [],
        "fallbacks": ["ollama: Ollama at http://127.0.0.1:9 is not reachable"]})

    families = scrape(app.test_client())
    assert sample(families, "hearth_http_requests_total", route="/api/v1/tickets", method="GET", status="200") == 3
    assert sample(families, "hearth_http_requests_total", route="/api/v1/tickets/<int:ticket_id>",
                  status="404") == 1
    assert sample(families, "hearth_http_request_duration_seconds_count", route="/api/v1/tickets") == 3
    assert sample(families, "hearth_open_tickets", company="acme") == 1
    assert sample(families, "hearth_open_tickets", company="globex") == 1
    assert sample(families, "hearth_ai_answers_total", provider="extractive", model="best-passage") == 1
    assert sample(families, "hearth_ai_answer_duration_seconds_count") == 1
    assert sample(families, "hearth_ai_answer_duration_seconds_bucket", le="2.0") == 1
    assert sample(families, "hearth_ai_answer_duration_seconds_bucket", le="1.0") == 0
    assert sample(families, "hearth_ai_provider_failures_total", provider="ollama") == 1
    assert sample(families, "hearth_ai_cache_hits_total") == 0
    assert sample(families, "hearth_sla_breaches_total") == 0
    assert sample(families, "hearth_socket_connections", namespace="/agent") == 0
    for name in ("hearth_ai_cache_misses", "hearth_socket_connections"):
        assert name in families


def test_metrics_count_socket_connections_and_cache_lookups(app, socketio, admin_client, services, acme):
    client = admin_client.agent_socket()
    widget = socketio.test_client(app, namespace="/widget", auth={"company": "acme"})
    services.responder.cache.get(acme.company.id, "never asked")
    families = scrape(app.test_client())
    assert sample(families, "hearth_socket_connections", namespace="/agent") == 1
    assert sample(families, "hearth_socket_connections", namespace="/widget") == 1
    assert sample(families, "hearth_ai_cache_misses_total") == 1
    widget.disconnect(namespace="/widget")
    client.disconnect(namespace="/agent")
    assert sample(scrape(app.test_client()), "hearth_socket_connections", namespace="/agent") == 0


def test_metrics_are_for_this_machine_unless_a_token_is_set(app, settings):
    remote = {"REMOTE_ADDR": "192.168.1.20"}
    response = app.test_client().get("/metrics", environ_base=remote)
    assert response.status_code == 403 and "metrics_token" in response.get_json()["error"]["message"]
    assert app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_a_metrics_token_opens_metrics_to_the_lan(tmp_path):
    from appliance.app import create_app
    from appliance.db import close_database
    from appliance.services import run_now
    from appliance.settings import Settings

    settings = Settings.load({"data_dir": str(tmp_path / "d"), "embedder": "hashing",
                              "ollama_host": "http://127.0.0.1:9", "metrics_token": "s3cret-token"}, environ={})
    app = create_app(settings, async_mode="threading", spawn=run_now)
    try:
        remote = {"REMOTE_ADDR": "192.168.1.20"}
        client = app.test_client()
        assert client.get("/metrics", environ_base=remote, headers={"Authorization": "Bearer nope"}).status_code == 403
        scrape(client, environ_base=remote, headers={"Authorization": "Bearer s3cret-token"})
        assert "s3cret-token" not in repr(settings)
    finally:
        close_database()

"""Outgoing webhooks against a real HTTP receiver on 127.0.0.1: signatures, retries with backoff
on an injected clock, giving up, retry now, URL validation and tenancy."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from tests.conftest import ApiClient


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The receiver's check, exactly as docs/interfaces.md describes it."""
    signed = headers["X-Hearth-Timestamp"].encode() + b"." + body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Hearth-Signature"])


@pytest.fixture
def app(clocked_app):
    return clocked_app


def add_webhook(client: ApiClient, url: str, events: list[str]) -> dict:
    response = client.post("/api/v1/webhooks", json={"url": url, "events": events})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_new_ticket_is_delivered_signed_and_recorded(admin_client, acme, receiver, clock):
    hook = add_webhook(admin_client, receiver.url, ["ticket.created"])
    assert hook["secret"].startswith("whsec_")
    listed = admin_client.get("/api/v1/webhooks").get_json()
    assert [h["url"] for h in listed["items"]] == [receiver.url]
    assert "secret" not in listed["items"][0]  # shown once, at creation

    ticket, _ = acme.customer_message("My bike has a flat tyre")

    assert len(receiver.received) == 1  # message.created was not subscribed
    got = receiver.received[0]
    assert got.path == "/hooks/hearth"
    assert got.headers["X-Hearth-Event"] == "ticket.created"
    assert got.headers["Content-Type"] == "application/json"
    assert verify(hook["secret"], got.headers, got.body)
    assert not verify(hook["secret"], got.headers, got.body + b" ")
    assert int(got.headers["X-Hearth-Timestamp"]) == int((clock.now - datetime(1970, 1, 1)).total_seconds())
    body = json.loads(got.body)
    assert body["event"] == "ticket.created" and body["company"] == "acme"
    assert body["data"]["ticket"]["id"] == ticket.id
    assert body["id"] == int(got.headers["X-Hearth-Delivery"])

    deliveries = admin_client.get("/api/v1/webhooks/deliveries").get_json()
    assert deliveries["total"] == 1
    d = deliveries["items"][0]
    assert (d["event"], d["status"], d["attempts"], d["last_status_code"], d["last_error"]) == \
        ("ticket.created", "delivered", 1, 200, None)


def test_message_resolve_and_test_events(admin_client, acme, receiver):
    hook = add_webhook(admin_client, receiver.url, ["message.created", "ticket.resolved"])
    ticket, message = acme.customer_message("Do you open on Sundays?")
    assert admin_client.patch(f"/api/v1/tickets/{ticket.id}", json={"status": "resolved"}).status_code == 200
    response = admin_client.post(f"/api/v1/webhooks/{hook['id']}/test")
    assert response.status_code == 202

    events = [r.headers["X-Hearth-Event"] for r in receiver.received]
    assert events == ["message.created", "ticket.resolved", "webhook.test"]
    first = json.loads(receiver.received[0].body)
    assert first["data"]["message"]["id"] == message.id
    assert json.loads(receiver.received[1].body)["data"]["ticket"]["status"] == "resolved"
    assert all(verify(hook["secret"], r.headers, r.body) for r in receiver.received)


def test_failures_are_retried_with_backoff_then_given_up(admin_client, acme, receiver, services, clock, settings):
    add_webhook(admin_client, receiver.url, ["ticket.created"])
    receiver.statuses = [500] * 20
    start = clock.now
    acme.customer_message("Hello?")
    assert len(receiver.received) == 1  # the first attempt, at once

    webhooks = services.webhooks
    waited = timedelta(0)
    for attempt in range(2, settings.webhook_max_attempts + 1):
        waited += timedelta(seconds=settings.webhook_retry_seconds * 2 ** (attempt - 2))
        assert webhooks.run_due(start + waited - timedelta(seconds=1)) == 0  # not due yet
        assert webhooks.run_due(start + waited) == 1
        assert len(receiver.received) == attempt

    d = admin_client.get("/api/v1/webhooks/deliveries").get_json()["items"][0]
    assert (d["status"], d["attempts"], d["last_status_code"]) == ("failed", settings.webhook_max_attempts, 500)
    assert "HTTP 500" in d["last_error"] and d["next_attempt_at"] is None
    assert webhooks.run_due(start + timedelta(days=30)) == 0  # given up: never sent again
    assert len(receiver.received) == settings.webhook_max_attempts

    # "Retry now" gives it a fresh set of attempts; the receiver has recovered.
    receiver.statuses = []
    response = admin_client.post(f"/api/v1/webhooks/deliveries/{d['id']}/retry")
    assert response.status_code == 202
    d = admin_client.get("/api/v1/webhooks/deliveries").get_json()["items"][0]
    assert (d["status"], d["attempts"], d["last_status_code"]) == ("delivered", 1, 200)
    assert len({r.headers["X-Hearth-Delivery"] for r in receiver.received}) == 1  # one delivery, many attempts
    again = admin_client.post(f"/api/v1/webhooks/deliveries/{d['id']}/retry")
    assert again.status_code == 422 and "already delivered" in again.get_json()["error"]["message"]


def test_an_unreachable_receiver_is_an_error_and_a_claimed_delivery_is_not_sent_twice(admin_client, acme, services,
                                                                                     clock):
    add_webhook(admin_client, "http://127.0.0.1:9/closed", ["ticket.created"])
    acme.customer_message("Anyone there?")
    d = admin_client.get("/api/v1/webhooks/deliveries").get_json()["items"][0]
    assert d["status"] == "pending" and d["attempts"] == 1 and d["last_status_code"] is None
    assert "ConnectError" in d["last_error"]
    # attempt() claims before sending: a second attempt at the same instant finds nothing due
    due = datetime.fromisoformat(d["next_attempt_at"]).replace(tzinfo=None)
    assert services.webhooks.attempt(d["id"], due) is not None
    assert services.webhooks.attempt(d["id"], due) is None


def test_a_webhook_deleted_while_its_delivery_is_on_the_wire_drops_it_quietly(admin_client, acme, services, caplog):
    """Recording the outcome used to read the deleted row back: a logged "failed unexpectedly" error."""
    hook = add_webhook(admin_client, "https://receiver.example/hooks", ["ticket.created"])

    def post(url, **kwargs):  # the admin deletes the webhook while the request is out
        services.webhooks.delete_endpoint(acme.company, acme.admin, hook["id"])
        return SimpleNamespace(status_code=200)

    services.webhooks._post = post
    with caplog.at_level(logging.INFO, logger="appliance.services.webhooks"):
        acme.customer_message("Hello?")
    assert "dropped: its webhook was deleted" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert admin_client.get("/api/v1/webhooks/deliveries").get_json()["total"] == 0


def test_one_delivery_failing_unexpectedly_does_not_stop_the_round(admin_client, acme, globex, make_client, receiver,
                                                                   services, clock, monkeypatch, caplog):
    """The retry job used to stop at the first delivery that raised, so the others (another company's
    included) waited for the next round, and the next, behind it."""
    add_webhook(admin_client, receiver.url, ["ticket.created"])
    add_webhook(make_client(globex.admin), receiver.url, ["ticket.created"])
    receiver.statuses = [500, 500]
    acme.customer_message("first, and broken")
    clock.advance(seconds=1)
    globex.customer_message("second")
    broken, fine = (services.webhooks.deliveries(tenant.company)[0][0].id for tenant in (acme, globex))
    attempt = services.webhooks.attempt

    def failing_attempt(delivery_id, now=None):
        if delivery_id == broken:
            raise RuntimeError("something nobody expected")
        return attempt(delivery_id, now)

    monkeypatch.setattr(services.webhooks, "attempt", failing_attempt)
    assert services.webhooks.run_due(clock.now + timedelta(hours=1)) == 1
    assert f"webhook delivery {broken} failed unexpectedly" in caplog.text
    assert services.webhooks.delivery(globex.company, fine).status == "delivered"
    assert services.webhooks.delivery(acme.company, broken).status == "pending"  # tried again in a later round


@pytest.mark.parametrize("url,problem", [
    ("ftp://example.com/hook", "must start with http:// or https://"),
    ("javascript:alert(1)", "must start with http:// or https://"),
    ("example.com/hook", "must start with http:// or https://"),
    ("http:///nohost", "must name a host"),
    ("https://user:pw@example.com/", "user name or password"),
    ("", "is required"),
    # accepted once, though every attempt then failed (InvalidURL) or sent an empty user name
    ("http://h\u0000/", "control or invisible characters"),
    ("https://example.com/hooks\u0007", "control or invisible characters"),
    ("https://example.com/ho\u200boks", "control or invisible characters"),
    ("https://exam\u202eple.com/", "control or invisible characters"),
    ("https://example.com/a b", "must not contain spaces"),
    ("http://@example.com/", "user name or password"),
    ("http://:@example.com/", "user name or password"),
    ("http://999.1.1.1/hooks", "not a URL deliveries can be sent to (Invalid IPv4 address"),
    ("http://xn--/hooks", "not a URL deliveries can be sent to"),
])
def test_bad_urls_are_refused_clearly(admin_client, url, problem):
    response = admin_client.post("/api/v1/webhooks", json={"url": url, "events": ["ticket.created"]})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert problem in error["fields"]["url"][0] and error["message"].startswith("url:")
    assert admin_client.get("/api/v1/webhooks").get_json()["items"] == []


def test_an_address_offline_only_refuses_is_flagged(admin_client, services):
    """While offline-only mode is on, a webhook beyond this machine and the LAN would never receive
    anything: the API says so on the webhook (and whether the mode is on), so the console can warn."""
    local = add_webhook(admin_client, "http://192.168.1.20:8080/hooks", ["ticket.created"])
    remote = add_webhook(admin_client, "https://hooks.example.com/hearth", ["ticket.created"])
    assert (local["offline_blocked"], remote["offline_blocked"]) == (False, True)
    listed = admin_client.get("/api/v1/webhooks").get_json()
    assert listed["offline_only"] is True
    assert [h["offline_blocked"] for h in listed["items"]] == [False, True]

    services.installation.network.offline_only = False
    try:
        listed = admin_client.get("/api/v1/webhooks").get_json()
        assert listed["offline_only"] is False
        assert [h["offline_blocked"] for h in listed["items"]] == [False, False]
    finally:
        services.installation.network.offline_only = True


def test_bad_events_and_non_admins_are_refused(admin_client, agent_client, receiver):
    response = admin_client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["ticket.deleted"]})
    assert response.status_code == 422 and "unknown event 'ticket.deleted'" in response.get_json()["error"]["message"]
    response = admin_client.post("/api/v1/webhooks", json={"url": receiver.url, "events": []})
    assert response.status_code == 422 and "events" in response.get_json()["error"]["fields"]
    assert agent_client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["ticket.created"]}
                             ).status_code == 403
    assert agent_client.get("/api/v1/webhooks/deliveries").status_code == 403


def test_another_company_cannot_see_retry_test_or_change_deliveries(admin_client, acme, globex, make_client,
                                                                    receiver):
    hook = add_webhook(admin_client, receiver.url, ["ticket.created"])
    acme.customer_message("Acme-only question")
    globex.customer_message("Globex question")  # globex has no webhook: nothing sent for it
    assert len(receiver.received) == 1
    delivery_id = admin_client.get("/api/v1/webhooks/deliveries").get_json()["items"][0]["id"]

    other = make_client(globex.admin)
    assert other.get("/api/v1/webhooks").get_json()["items"] == []
    assert other.get("/api/v1/webhooks/deliveries").get_json() == {"items": [], "total": 0}
    assert other.get(f"/api/v1/webhooks/deliveries?endpoint_id={hook['id']}").status_code == 404
    assert other.post(f"/api/v1/webhooks/deliveries/{delivery_id}/retry").status_code == 404
    assert other.post(f"/api/v1/webhooks/{hook['id']}/test").status_code == 404
    assert other.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": False}).status_code == 404
    assert other.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 404
    assert len(receiver.received) == 1


def test_a_paused_or_deleted_webhook_receives_nothing(admin_client, acme, receiver):
    hook = add_webhook(admin_client, receiver.url, ["ticket.created"])
    assert admin_client.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": False}).get_json()["active"] is False
    acme.customer_message("first")
    assert admin_client.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 204
    acme.customer_message("second")
    assert receiver.received == []
    assert admin_client.get("/api/v1/webhooks/deliveries").get_json()["total"] == 0


def test_a_receiver_that_never_answers_times_out(admin_client, acme, receiver, services):
    import dataclasses

    services.webhooks.settings = dataclasses.replace(services.settings, webhook_timeout=0.3)
    add_webhook(admin_client, receiver.url, ["ticket.created"])
    receiver.stall.set()
    acme.customer_message("Hello?")
    d = admin_client.get("/api/v1/webhooks/deliveries").get_json()["items"][0]
    assert (d["status"], d["attempts"], d["last_status_code"]) == ("pending", 1, None)
    assert "ReadTimeout" in d["last_error"]


def test_each_endpoint_change_is_seen_by_the_next_event(admin_client, acme, globex, make_client, receiver):
    """Which events a company's endpoints want is remembered between messages; every change to an
    endpoint (created, events changed, paused, resumed, deleted) counts from the next event on, and
    only for its own company."""
    def received_events():
        events = [r.headers["X-Hearth-Event"] for r in receiver.received]
        receiver.received.clear()
        return events

    acme.customer_message("before any webhook")
    assert received_events() == []

    hook = add_webhook(admin_client, receiver.url, ["ticket.created"])
    acme.customer_message("now wanted")
    assert received_events() == ["ticket.created"]

    globex.customer_message("globex has no webhook")
    assert received_events() == []
    globex_hook = add_webhook(make_client(globex.admin), receiver.url, ["message.created"])
    acme.customer_message("acme still wants only new tickets")
    assert received_events() == ["ticket.created"]

    assert admin_client.patch(f"/api/v1/webhooks/{hook['id']}", json={"events": ["message.created"]}).status_code == 200
    acme.customer_message("messages now")
    assert received_events() == ["message.created"]

    assert admin_client.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": False}).status_code == 200
    acme.customer_message("paused")
    assert received_events() == []
    assert admin_client.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": True}).status_code == 200
    acme.customer_message("resumed")
    assert received_events() == ["message.created"]

    assert admin_client.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 204
    acme.customer_message("deleted")
    assert received_events() == []
    globex.customer_message("globex's own endpoint still delivers")
    assert received_events() == ["message.created"]
    assert globex_hook["id"] != hook["id"]

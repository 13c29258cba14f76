"""The first-run wizard's API: one company, created once, without a login."""
from __future__ import annotations

import threading

from appliance.domain.models import Company, User
from tests.conftest import PASSWORD

FIRST = {"company_name": "Corner Bikes", "admin_name": "Olive Owner", "admin_email": "owner@corner.test",
         "admin_password": PASSWORD}


def start(app):
    client = app.test_client()
    state = client.get("/api/v1/setup").get_json()
    return client, state


def submit(client, csrf, payload=FIRST):
    return client.post("/api/v1/setup", json=payload, headers={"X-CSRF-Token": csrf})


def test_first_company_is_created_and_its_admin_is_logged_in(app):
    client, state = start(app)
    assert state["needed"] is True
    response = submit(client, state["csrf_token"])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["company"]["name"] == "Corner Bikes"
    assert body["company"]["slug"] == "corner-bikes"  # made from the name
    assert body["user"] == {**body["user"], "email": "owner@corner.test", "role": "admin", "name": "Olive Owner"}
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.get_json()["user"]["email"] == "owner@corner.test"
    assert client.get("/api/v1/setup").get_json()["needed"] is False


def test_a_second_attempt_is_refused_and_changes_nothing(app):
    client, state = start(app)
    assert submit(client, state["csrf_token"]).status_code == 201
    other, state2 = start(app)
    assert state2["needed"] is False
    response = submit(other, state2["csrf_token"], {**FIRST, "company_name": "Intruder", "admin_email": "x@evil.test"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conflict" and "already set up" in error["message"]
    assert other.get("/api/v1/auth/me").status_code == 401
    assert [c.name for c in Company.select()] == ["Corner Bikes"]
    assert User.get_or_none(User.email == "x@evil.test") is None


def test_refused_once_a_company_exists_from_the_command_line(app, acme):
    client, state = start(app)
    assert state["needed"] is False
    assert submit(client, state["csrf_token"]).status_code == 409


def test_bad_input_names_the_field_and_creates_nothing(app):
    client, state = start(app)
    response = submit(client, state["csrf_token"], {**FIRST, "admin_password": "short"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"admin_password": ["must be at least 10 characters"]}
    response = submit(client, state["csrf_token"], {**FIRST, "admin_email": "not-an-email"})
    assert response.status_code == 422 and "admin_email" in response.get_json()["error"]["fields"]
    response = submit(client, state["csrf_token"], {**FIRST, "company_name": "   "})
    assert response.status_code == 422 and "company_name" in response.get_json()["error"]["fields"]
    response = submit(client, state["csrf_token"], {"admin_email": "a@b.test", "admin_password": PASSWORD})
    assert response.status_code == 422 and "company_name" in response.get_json()["error"]["fields"]
    assert Company.select().count() == 0 and User.select().count() == 0
    assert client.get("/api/v1/setup").get_json()["needed"] is True


def test_the_wizard_needs_its_csrf_token(app):
    client, _ = start(app)
    response = client.post("/api/v1/setup", json=FIRST)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "csrf_failed"
    assert Company.select().count() == 0


def test_concurrent_wizards_create_exactly_one_company(app):
    attempts = 6
    clients = [start(app) for _ in range(attempts)]
    barrier = threading.Barrier(attempts)
    statuses: list[int] = []

    def attempt(i):
        client, state = clients[i]
        payload = {**FIRST, "company_name": f"Shop {i}", "admin_email": f"owner{i}@shop.test"}
        barrier.wait()
        statuses.append(submit(client, state["csrf_token"], payload).status_code)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == [201] + [409] * (attempts - 1)
    assert Company.select().count() == 1 and User.select().count() == 1

import json
import logging
from datetime import datetime, timedelta, timezone

import pytest

from appliance.domain.models import Article, AuditEntry, User
from tests.conftest import PASSWORD


def test_login_sets_an_httponly_cookie_and_returns_a_csrf_token(make_client, acme):
    api = make_client()
    response = api.login(acme.agent.email)
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["email"] == "agent@acme.test" and body["company"]["slug"] == "acme"
    assert body["csrf_token"]
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert api.get("/api/v1/auth/me").get_json()["user"]["id"] == acme.agent.id


def test_the_session_cookie_is_signed_again_only_when_it_is_old(make_client, acme, app):
    """The expiry slides with use, without a new signature on every request."""
    api = make_client()
    assert api.login(acme.agent.email).headers["Set-Cookie"].startswith("hearth_session=")
    me = api.get("/api/v1/auth/me")
    assert me.status_code == 200 and "Set-Cookie" not in me.headers  # just signed: nothing new to say
    app.session_interface.clock = lambda: datetime.now(timezone.utc) + timedelta(hours=2)
    later = api.get("/api/v1/auth/me")
    assert later.status_code == 200 and later.headers["Set-Cookie"].startswith("hearth_session=")
    assert "Expires=" in later.headers["Set-Cookie"]  # a fresh expiry, session_days from now


def test_wrong_password_is_401_with_a_clear_error(make_client, acme):
    response = make_client().login(acme.agent.email, "nope-nope-nope")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_api_needs_a_login(make_client):
    response = make_client().get("/api/v1/tickets")
    assert response.status_code == 401
    assert "log in" in response.get_json()["error"]["message"]


def test_logout_ends_the_session(agent_client):
    assert agent_client.post("/api/v1/auth/logout").status_code == 204
    assert agent_client.get("/api/v1/tickets").status_code == 401


def test_logout_ends_every_session_of_the_account_copies_included(make_client, acme):
    """Sessions are signed cookies: a copy of one used to stay valid after logout until it expired."""
    desk, laptop = make_client(acme.agent), make_client(acme.agent)
    with desk.client.session_transaction() as saved:
        copied = dict(saved)
    socket = laptop.agent_socket()
    assert socket.is_connected("/agent")
    assert desk.post("/api/v1/auth/logout").status_code == 204
    assert laptop.get("/api/v1/auth/me").status_code == 401
    assert not socket.is_connected("/agent")  # the open console is logged out too
    replay = make_client(acme.admin)
    with replay.client.session_transaction() as session:
        session.clear()
        session.update(copied)
    assert replay.get("/api/v1/auth/me").status_code == 401
    assert make_client(acme.agent).get("/api/v1/auth/me").status_code == 200  # a new login works


def test_a_new_password_ends_the_accounts_sessions_but_not_the_admin_setting_their_own(make_client, admin_client,
                                                                                        acme):
    agent = make_client(acme.agent)
    changed = admin_client.patch(f"/api/v1/users/{acme.agent.id}", json={"password": "a brand new password"})
    assert changed.status_code == 200
    assert agent.get("/api/v1/tickets").status_code == 401
    other_admin_device = make_client(acme.admin)
    mine = admin_client.patch(f"/api/v1/users/{acme.admin.id}", json={"password": "another new password"})
    assert mine.status_code == 200
    assert other_admin_device.get("/api/v1/tickets").status_code == 401
    assert admin_client.get("/api/v1/tickets").status_code == 200
    assert admin_client.patch("/api/v1/company", json={"name": "Acme Two"}).status_code == 200  # same CSRF token


NEW_PASSWORD = "a brand new password"


def change_password(api, current=PASSWORD, new=NEW_PASSWORD):
    return api.post("/api/v1/auth/password", json={"current_password": current, "new_password": new})


def test_an_agent_changes_their_own_password_and_stays_logged_in_on_this_device_only(make_client, acme):
    desk, laptop = make_client(acme.agent), make_client(acme.agent)
    with desk.client.session_transaction() as saved:
        copied = dict(saved)
    socket = laptop.agent_socket()
    old_csrf = desk.csrf
    changed = change_password(desk)
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["user"]["id"] == acme.agent.id and body["company"]["slug"] == "acme"
    assert body["csrf_token"] and body["csrf_token"] != old_csrf  # a fresh session, as /auth/me answers it
    assert body.keys() == desk.get("/api/v1/auth/me").get_json().keys()

    assert desk.get("/api/v1/auth/me").status_code == 200
    assert desk.post("/api/v1/articles", json={"title": "T", "body": "B"}).status_code == 403  # the old token
    desk.csrf = body["csrf_token"]
    assert desk.post("/api/v1/articles", json={"title": "T", "body": "B"}).status_code == 201
    assert laptop.get("/api/v1/auth/me").status_code == 401  # every other session ended
    assert not socket.is_connected("/agent")
    replay = make_client()
    with replay.client.session_transaction() as session:
        session.update(copied)
    assert replay.get("/api/v1/auth/me").status_code == 401  # a copy of this device's old cookie too

    assert make_client().login(acme.agent.email, PASSWORD).status_code == 401
    assert make_client().login(acme.agent.email, NEW_PASSWORD).status_code == 200


def test_a_wrong_current_password_is_a_field_error_and_changes_nothing(make_client, acme):
    agent, other_device = make_client(acme.agent), make_client(acme.agent)
    response = change_password(agent, current="not-my-password")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["fields"] == {"current_password": ["is not your current password"]}
    assert agent.get("/api/v1/auth/me").status_code == 200 and other_device.get("/api/v1/auth/me").status_code == 200
    assert make_client().login(acme.agent.email, NEW_PASSWORD).status_code == 401
    assert make_client().login(acme.agent.email, PASSWORD).status_code == 200
    assert not AuditEntry.select().where(AuditEntry.action == "user.password_changed").exists()


@pytest.mark.parametrize("new, problem", [
    ("short", "must be at least 10 characters"),
    (PASSWORD, "is your current password; choose a different one"),
    ("", "must not be empty"),
])
def test_a_new_password_must_follow_the_rules(agent_client, acme, new, problem):
    response = change_password(agent_client, new=new)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"new_password": [problem]}
    assert agent_client.get("/api/v1/auth/me").status_code == 200
    assert User.get_by_id(acme.agent.id).session_epoch == acme.agent.session_epoch


def test_changing_your_password_needs_a_live_session_and_the_csrf_header(make_client, acme):
    desk, laptop = make_client(acme.agent), make_client(acme.agent)
    csrf, desk.csrf = desk.csrf, None
    response = change_password(desk)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "csrf_failed"
    desk.csrf = csrf
    assert laptop.post("/api/v1/auth/logout").status_code == 204  # the desk's session ends with it
    assert change_password(desk).status_code == 401
    assert make_client().login(acme.agent.email, PASSWORD).status_code == 200


def test_a_password_change_is_audited_without_the_password(make_client, admin_client, acme, caplog):
    agent = make_client(acme.agent)
    with caplog.at_level(logging.INFO):
        assert change_password(agent).status_code == 200
    entry = AuditEntry.get(AuditEntry.action == "user.password_changed")
    assert entry.actor_user_id == acme.agent.id and (entry.target_type, entry.target_id) == ("user", acme.agent.id)
    listed = [e for e in admin_client.get("/api/v1/audit").get_json()["items"] if e["action"] == "user.password_changed"]
    assert len(listed) == 1 and listed[0]["actor"]["id"] == acme.agent.id
    for secret in (PASSWORD, NEW_PASSWORD):
        assert secret not in json.dumps(listed) and secret not in json.dumps(entry.details)
        assert not any(secret in record.getMessage() for record in caplog.records)
    assert "scrypt" not in json.dumps(listed)


@pytest.mark.parametrize("token", [None, "forged-token", ""])
def test_state_changes_need_the_csrf_header(agent_client, token):
    headers = {} if token is None else {"X-CSRF-Token": token}
    response = agent_client.client.post("/api/v1/articles", json={"title": "T", "body": "B"}, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "csrf_failed"
    assert Article.select().count() == 0


def test_csrf_token_of_another_session_is_refused(make_client, acme):
    alice, bob = make_client(acme.admin), make_client(acme.agent)
    response = bob.client.post("/api/v1/articles", json={"title": "T", "body": "B"},
                               headers={"X-CSRF-Token": alice.csrf})
    assert response.status_code == 403


def test_with_the_csrf_header_it_works(agent_client):
    assert agent_client.post("/api/v1/articles", json={"title": "T", "body": "B"}).status_code == 201


@pytest.mark.parametrize("method, url, body", [
    ("patch", "/api/v1/company", {"name": "Taken over"}),
    ("post", "/api/v1/users", {"email": "new@acme.test", "name": "New", "password": "long-enough-pw"}),
    ("get", "/api/v1/audit", None),
])
def test_agents_cannot_do_admin_work(agent_client, method, url, body):
    call = getattr(agent_client, method)
    response = call(url, json=body) if body is not None else call(url)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_admins_can(admin_client, acme):
    assert admin_client.patch("/api/v1/company", json={"settings": {"ai_confidence_threshold": 0.7}}).status_code == 200
    created = admin_client.post("/api/v1/users", json={"email": "new@acme.test", "name": "New",
                                                       "password": "long-enough-pw"})
    assert created.status_code == 201 and created.get_json()["role"] == "agent"
    audit = admin_client.get("/api/v1/audit").get_json()["items"]
    assert {"company.updated", "user.created"} <= {e["action"] for e in audit}


def test_an_empty_user_change_writes_and_audits_nothing(admin_client, acme):
    before = len(admin_client.get("/api/v1/audit").get_json()["items"])
    assert admin_client.patch(f"/api/v1/users/{acme.agent.id}", json={}).status_code == 200
    assert len(admin_client.get("/api/v1/audit").get_json()["items"]) == before


def test_a_deactivated_agent_loses_access_at_once(make_client, admin_client, acme):
    agent = make_client(acme.agent)
    assert admin_client.patch(f"/api/v1/users/{acme.agent.id}", json={"active": False}).status_code == 200
    assert agent.get("/api/v1/tickets").status_code == 401
    # reactivated later (a returning seasonal worker), the account's old sessions stay ended
    assert admin_client.patch(f"/api/v1/users/{acme.agent.id}", json={"active": True}).status_code == 200
    assert agent.get("/api/v1/tickets").status_code == 401
    assert make_client(acme.agent).get("/api/v1/tickets").status_code == 200


def test_a_session_naming_another_companys_id_is_not_logged_in(agent_client, acme, globex):
    with agent_client.client.session_transaction() as session:
        session["company_id"] = globex.company.id
    response = agent_client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert agent_client.get("/api/v1/tickets").status_code == 401
    with agent_client.client.session_transaction() as session:
        session["company_id"] = acme.company.id
    assert agent_client.get("/api/v1/auth/me").get_json()["company"]["slug"] == "acme"

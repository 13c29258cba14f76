"""Logins: throttled per address and per account; an account locks after failures in a row,
stays locked across a restart, and an admin can unlock it. Changing your own password types the
current one: those tries count as logins do."""
import pytest

from appliance.app import create_app
from appliance.db import close_database
from appliance.domain.models import AuditEntry, User
from appliance.services import run_now
from tests.abuse.test_rate_limits import assert_429, from_address, limits
from tests.conftest import PASSWORD


@limits(rate_limit_login_ip="3/minute", rate_limit_login_account="")
def test_login_attempts_per_address(app, acme):
    robot = from_address(app, "127.0.0.9")
    for _ in range(3):
        assert robot.login(acme.agent.email, "wrong-password-1").status_code == 401
    assert_429(robot.login(acme.agent.email))  # even the right password waits
    assert from_address(app, "127.0.0.8").login(acme.agent.email).status_code == 200


@limits(rate_limit_login_account="3/minute", rate_limit_login_ip="")
def test_login_attempts_per_account_from_many_addresses(app, acme):
    for n in range(3):
        assert from_address(app, f"127.0.1.{n}").login(acme.admin.email, "wrong-password-1").status_code == 401
    assert_429(from_address(app, "127.0.1.99").login(" Admin@Acme.test "))
    assert from_address(app, "127.0.1.99").login(acme.agent.email).status_code == 200  # other accounts are fine


def change_password(api, current, new="a brand new password"):
    return api.post("/api/v1/auth/password", json={"current_password": current, "new_password": new})


@limits(rate_limit_login_account="3/minute", rate_limit_login_ip="")
def test_password_changes_count_against_the_accounts_login_attempts(app, acme):
    """A stolen session guessing the current password is slowed as a guesser at the login is."""
    thief = from_address(app, "127.0.1.1")
    assert thief.login(acme.agent.email).status_code == 200  # a login that works resets the count
    for _ in range(2):
        assert change_password(thief, "wrong-password-1").status_code == 422
    assert from_address(app, "127.0.1.2").login(acme.agent.email, "wrong-password-1").status_code == 401
    assert_429(change_password(thief, PASSWORD))  # even the right password waits
    assert_429(from_address(app, "127.0.1.3").login(acme.agent.email))  # one budget for both ways in
    assert from_address(app, "127.0.1.3").login(acme.admin.email).status_code == 200  # other accounts are fine


@limits(rate_limit_login_account="3/minute", rate_limit_login_ip="")
def test_a_password_change_resets_the_accounts_login_attempts(app, acme):
    agent = from_address(app, "127.0.1.4")
    agent.login(acme.agent.email)
    assert change_password(agent, "wrong-password-1").status_code == 422
    changed = change_password(agent, PASSWORD)
    assert changed.status_code == 200
    agent.csrf = changed.get_json()["csrf_token"]
    for _ in range(2):
        assert change_password(agent, "wrong-password-1").status_code == 422
    assert from_address(app, "127.0.1.5").login(acme.agent.email, "a brand new password").status_code == 200


@pytest.fixture
def app(clocked_app):
    return clocked_app


@limits(login_lockout_failures=3, login_lockout_minutes=15)
def test_wrong_current_passwords_lock_the_account_as_failed_logins_do(app, acme, clock):
    agent = from_address(app, "127.0.2.5")
    agent.login(acme.agent.email)
    assert from_address(app, "127.0.2.6").login(acme.agent.email, "wrong-password-1").status_code == 401
    for _ in range(2):
        assert change_password(agent, "wrong-password-1").status_code == 422
    assert User.get_by_id(acme.agent.id).locked_until is not None
    assert AuditEntry.get(AuditEntry.action == "user.locked").target_id == acme.agent.id
    for refused in (change_password(agent, PASSWORD), from_address(app, "127.0.2.7").login(acme.agent.email)):
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "account_locked"
    assert agent.get("/api/v1/auth/me").status_code == 200  # the lock stops guessing, not their work

    clock.advance(minutes=16)
    assert change_password(agent, PASSWORD).status_code == 200
    assert User.get_by_id(acme.agent.id).failed_logins == 0


@limits(login_lockout_failures=3, login_lockout_minutes=15)
def test_account_locks_after_failures_and_the_lock_outlasts_a_restart(app, acme, settings, clock):
    api = from_address(app, "127.0.2.1")
    for _ in range(3):
        assert api.login(acme.agent.email, "wrong-password-1").status_code == 401
    response = api.login(acme.agent.email)  # the right password, but locked
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "account_locked"
    assert "locked after 3 failed logins" in error["message"] and "ask an admin" in error["message"]
    assert AuditEntry.get(AuditEntry.action == "user.locked").target_id == acme.agent.id
    assert acme.admin.email != acme.agent.email and api.login(acme.admin.email).status_code == 200

    close_database()
    restarted = create_app(settings, async_mode="threading", clock=clock, spawn=run_now)
    assert from_address(restarted, "127.0.2.2").login(acme.agent.email).status_code == 403

    clock.advance(minutes=16)  # the lock runs out by itself
    assert from_address(restarted, "127.0.2.3").login(acme.agent.email).status_code == 200
    assert User.get_by_id(acme.agent.id).failed_logins == 0


@limits(login_lockout_failures=2)
def test_an_admin_unlocks_an_account(app, acme, globex):
    for _ in range(2):
        from_address(app, "127.0.3.1").login(acme.agent.email, "wrong-password-1")
    admin = from_address(app, "127.0.3.2")
    admin.login(acme.admin.email)
    listed = {u["id"]: u for u in admin.get("/api/v1/users").get_json()["items"]}
    assert listed[acme.agent.id]["locked_until"] is not None
    foreign = from_address(app, "127.0.3.3")
    foreign.login(globex.admin.email)
    assert foreign.post(f"/api/v1/users/{acme.agent.id}/unlock").status_code == 404
    agent = from_address(app, "127.0.3.4")
    assert agent.login(acme.agent.email).status_code == 403
    unlocked = admin.post(f"/api/v1/users/{acme.agent.id}/unlock")
    assert unlocked.status_code == 200 and unlocked.get_json()["locked_until"] is None
    assert agent.login(acme.agent.email).status_code == 200
    assert AuditEntry.get(AuditEntry.action == "user.unlocked").target_id == acme.agent.id


@limits(login_lockout_failures=3)
def test_a_success_resets_the_count(app, acme):
    api = from_address(app, "127.0.4.1")
    for _ in range(2):
        api.login(acme.agent.email, "wrong-password-1")
    assert api.login(acme.agent.email).status_code == 200
    for _ in range(2):
        api.login(acme.agent.email, "wrong-password-1")
    assert api.login(acme.agent.email).status_code == 200

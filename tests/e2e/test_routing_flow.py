"""In a real browser: an admin makes a team and a routing rule in Settings; a customer's ticket is
assigned automatically to the agent logged in to another console, and shows there as theirs."""
import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import api_login, customer_says, inbox_row, login, open_ticket, turn_ai_off

pytestmark = pytest.mark.browser


def test_ticket_is_auto_assigned_to_the_online_agent(server, context_factory):
    admin_context = context_factory()
    headers = api_login(admin_context.request, server.url, "owner@corner.test")
    turn_ai_off(admin_context.request, server.url)
    made = admin_context.request.post(f"{server.url}/api/v1/users", headers=headers, data={
        "email": "ada@corner.test", "name": "Ada Agent", "password": PASSWORD, "role": "agent"})
    assert made.ok, made.text()
    agent_id = made.json()["id"]

    admin = admin_context.new_page()  # already logged in: the context shares the API login's cookie
    admin.goto(f"{server.url}/console#/settings")
    card = admin.get_by_test_id("routing-settings")
    owner_row = card.get_by_test_id("routing-agent-row").filter(has_text="Olive Owner")
    owner_row.get_by_test_id("routing-capacity-input").fill("0")  # the owner takes none automatically
    owner_row.get_by_test_id("routing-capacity-save").click()
    expect(owner_row).to_contain_text("0 / 0")
    card.get_by_test_id("team-name").fill("Repairs")
    card.locator("#team-new-members").get_by_label("Ada Agent").check()
    card.get_by_test_id("team-add").click()
    expect(card.get_by_test_id("team-row")).to_contain_text("Repairs")
    card.get_by_test_id("rule-kind").select_option("keyword")
    card.get_by_test_id("rule-value").fill("brake")
    card.get_by_test_id("rule-add").click()
    expect(card.get_by_test_id("rule-row")).to_contain_text("brake")
    card.get_by_test_id("rule-value").fill("")
    card.get_by_test_id("rule-add").click()  # empty value: the form says what to fix
    expect(card.locator('[data-error-for="value"]')).not_to_be_empty()

    agent = context_factory().new_page()
    login(agent, server.url, "ada@corner.test")
    expect(card.get_by_test_id("routing-agent-row").filter(has_text="Ada Agent")).to_contain_text("Online")

    customer = context_factory().new_page()
    customer.goto(f"{server.url}/chat/corner")
    customer_says(customer, "My front brake is loose")

    expect(inbox_row(agent, "brake is loose").locator(".row-assignee")).to_have_text("Ada Agent", timeout=15_000)
    agent.locator("#f-assignee").select_option("me")  # the "assigned to me" view lists it
    open_ticket(agent, "brake is loose")
    expect(agent.get_by_test_id("ticket-assignee")).to_have_value(str(agent_id))


def test_a_notification_shown_live_is_not_shown_again_at_the_next_login(server, context_factory):
    admin = context_factory().request
    headers = api_login(admin, server.url, "owner@corner.test")
    turn_ai_off(admin, server.url)
    made = admin.post(f"{server.url}/api/v1/users", headers=headers, data={
        "email": "bo@corner.test", "name": "Bo Agent", "password": PASSWORD, "role": "agent"})
    assert made.ok, made.text()
    bo_id = made.json()["id"]
    for user in admin.get(f"{server.url}/api/v1/routing/agents").json()["items"]:  # nobody takes it automatically
        assert admin.put(f"{server.url}/api/v1/routing/agents/{user['id']}", headers=headers, data={"capacity": 0}).ok

    bo = context_factory().new_page()
    login(bo, server.url, "bo@corner.test")
    expect(bo.locator("#conn-status")).to_have_text("Live")
    customer = context_factory().new_page()
    customer.goto(f"{server.url}/chat/corner")
    customer_says(customer, "My bottle cage snapped")
    expect(inbox_row(bo, "bottle cage")).to_have_count(1, timeout=10_000)
    ticket_id = inbox_row(bo, "bottle cage").get_attribute("data-ticket-id")
    given = admin.patch(f"{server.url}/api/v1/tickets/{ticket_id}", headers=headers, data={"assignee_id": bo_id})
    assert given.ok, given.text()
    toast = bo.get_by_test_id("notification-toast")
    expect(toast).to_contain_text("Olive Owner gave you ticket")

    for _ in range(50):  # the console tells the server it was shown
        if bo.request.get(f"{server.url}/api/v1/notifications").json()["unread"] == 0:
            break
        bo.wait_for_timeout(100)
    bo.locator("#logout").click()
    login(bo, server.url, "bo@corner.test")
    expect(bo.locator("#conn-status")).to_have_text("Live")
    bo.wait_for_timeout(1500)  # unread notifications are listed once the live connection is up
    expect(toast).to_have_count(0)
    assert bo.context.errors == [] and customer.context.errors == []

"""In a real browser: an SLA countdown on a new ticket, then the warning arriving live."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import api_login, customer_says, desk_and_chat, inbox_row, open_ticket, turn_ai_off

pytestmark = pytest.mark.browser


def test_countdown_and_live_sla_alert(server, context_factory):
    agent_context = context_factory()
    headers = api_login(agent_context.request, server.url, "owner@other.test")
    turn_ai_off(agent_context.request, server.url)
    policy = agent_context.request.put(f"{server.url}/api/v1/sla-policy", headers=headers,
                                       data={"targets": {"first_response": {"normal": 1}}})
    assert policy.ok, policy.text()
    agent = agent_context.new_page()
    agent.goto(f"{server.url}/console")
    agent.get_by_test_id("ticket-list").wait_for()

    customer = context_factory().new_page()
    customer.goto(f"{server.url}/chat/other")
    customer_says(customer, "My order never arrived")

    expect(inbox_row(agent, "never arrived").get_by_test_id("sla-badge")).to_contain_text("left", timeout=15_000)
    open_ticket(agent, "never arrived")
    expect(agent.get_by_test_id("sla-strip")).to_contain_text("First response")
    # 80 % of one minute, found by the server's 30-second check: the warning arrives by itself
    expect(agent.get_by_test_id("sla-toast").first).to_contain_text("SLA", timeout=100_000)


def test_a_new_sla_policy_reaches_open_consoles(server, context_factory):
    """An admin saves the policy: the countdowns appear in consoles already open, without a reload."""
    admin = context_factory().request
    headers = api_login(admin, server.url, "owner@corner.test")
    turn_ai_off(admin, server.url)
    agent, customer = desk_and_chat(server, context_factory)
    customer_says(customer, "Where is my saddle?")
    row = inbox_row(agent, "my saddle")
    expect(row).to_have_count(1, timeout=10_000)
    ticket = admin.get(f"{server.url}/api/v1/tickets?q=saddle").json()["items"][0]
    assert ticket["assignee"] is not None  # routed: its last push (the assignment) came before the policy
    agent.wait_for_timeout(1000)
    expect(row.get_by_test_id("sla-badge")).to_have_count(0)  # no policy yet

    policy = admin.put(f"{server.url}/api/v1/sla-policy", headers=headers,
                       data={"targets": {"first_response": {"normal": 60}}})
    assert policy.ok, policy.text()
    expect(row.get_by_test_id("sla-badge")).to_contain_text("left", timeout=10_000)

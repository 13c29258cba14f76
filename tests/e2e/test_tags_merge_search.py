"""In a real browser: tag a ticket and filter by the tag, change its priority, find it by a word
of a private note, and merge a customer's second ticket into the first."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import customer_says, login, open_ticket, turn_ai_off

pytestmark = pytest.mark.browser


def test_tags_priority_search_and_merge(server, context_factory):
    agent = context_factory().new_page()
    login(agent, server.url, "owner@corner.test")
    turn_ai_off(agent.request, server.url)
    customer = context_factory().new_page()
    customer.goto(f"{server.url}/chat/corner")
    customer_says(customer, "My saddle squeaks")

    first = open_ticket(agent, "saddle squeaks")
    agent.get_by_test_id("tag-input").fill("Noise Issue")
    agent.get_by_test_id("tag-add").click()
    expect(agent.get_by_test_id("ticket-tag")).to_have_attribute("data-tag", "noise-issue")
    expect(first.get_by_test_id("row-tag")).to_have_text("noise-issue")
    agent.get_by_test_id("tag-input").fill("bad/tag")
    agent.get_by_test_id("tag-add").click()
    expect(agent.locator('#t-tag-form [data-error-for="tag"]')).to_contain_text("not a tag")

    agent.get_by_test_id("ticket-priority").select_option("urgent")
    expect(first.locator(".badge-prio-urgent")).to_have_text("urgent")
    agent.get_by_test_id("reply-private").check()
    agent.get_by_test_id("reply-box").fill("Suspect the seatpost clamp")
    agent.get_by_test_id("reply-send").click()
    expect(agent.get_by_test_id("message").filter(has_text="seatpost")).to_have_count(1)
    agent.get_by_test_id("ticket-status").select_option("resolved")
    expect(first).to_have_attribute("data-status", "resolved")

    # the same customer writes again: a second ticket, merged into the first from the console
    customer_says(customer, "Also the bell is broken")
    expect(agent.locator('#t-tag-form [data-error-for="tag"]')).to_contain_text("not a tag")
    open_ticket(agent, "bell is broken")
    expect(agent.locator("#t-title")).to_contain_text("bell")
    # the tag typed for the other ticket, and its error, stayed with it
    expect(agent.get_by_test_id("tag-input")).to_have_value("")
    expect(agent.locator('#t-tag-form [data-error-for="tag"]')).to_have_text("")
    agent.get_by_test_id("merge-open").click()
    expect(agent.get_by_test_id("merge-target").locator("option")).to_have_count(1)
    agent.get_by_test_id("merge-ok").click()
    expect(agent.get_by_test_id("merge-toast").first).to_contain_text("was merged into")
    expect(agent.locator("#t-title")).to_contain_text("saddle")
    conversation = agent.get_by_test_id("message")
    expect(conversation.filter(has_text="bell is broken")).to_have_count(1)
    expect(conversation.filter(has_text="was merged into this one")).to_have_count(1)

    # a third ticket: the one merged away is no longer offered as a target
    agent.get_by_test_id("ticket-status").select_option("resolved")
    customer_says(customer, "And I need a pump")
    open_ticket(agent, "need a pump")
    agent.get_by_test_id("merge-open").click()
    expect(agent.get_by_test_id("merge-target").locator("option")).to_have_count(1)
    expect(agent.get_by_test_id("merge-target").locator("option")).to_contain_text("saddle")
    agent.locator("#merge-cancel").click()

    # full-text search reaches the private note; the tag filter narrows the list
    agent.locator("#f-q").fill("seatpo")
    expect(agent.get_by_test_id("ticket-row")).to_have_count(1)
    expect(agent.get_by_test_id("ticket-row")).to_contain_text("saddle")
    agent.locator("#f-q").fill('"clamp*')
    expect(agent.get_by_test_id("ticket-row")).to_have_count(1)
    agent.locator("#f-q").fill("")
    agent.get_by_test_id("filter-status").select_option("")
    agent.get_by_test_id("filter-tag").fill("noise-issue")
    agent.get_by_test_id("filter-tag").press("Enter")
    expect(agent.get_by_test_id("ticket-row")).to_have_count(1)
    expect(agent.get_by_test_id("ticket-row").get_by_test_id("row-tag")).to_have_text("noise-issue")
    assert agent.context.errors == [] and customer.context.errors == []


def test_the_customers_chat_carries_on_in_the_ticket_theirs_was_merged_into(server, context_factory):
    agent = context_factory().new_page()
    login(agent, server.url, "owner@corner.test")
    turn_ai_off(agent.request, server.url)
    csrf = {"X-CSRF-Token": agent.request.get(f"{server.url}/api/v1/auth/me").json()["csrf_token"]}
    customer = context_factory().new_page()
    customer.goto(f"{server.url}/chat/corner")

    def says(text):  # and it is stored: its ticket's id
        customer_says(customer, text)
        expect(customer.get_by_test_id("widget-message").filter(has_text=text)).to_have_attribute("data-state", "sent")
        return agent.request.get(f"{server.url}/api/v1/tickets", params={"q": text}).json()["items"][0]["id"]

    older = says("My chain is rusty")
    agent.request.patch(f"{server.url}/api/v1/tickets/{older}", headers=csrf, data={"status": "resolved"})
    expect(customer.get_by_test_id("widget-notice")).to_contain_text("marked resolved")
    newer = says("And the brakes rub")
    merged = agent.request.post(f"{server.url}/api/v1/tickets/{newer}/merge", headers=csrf, data={"target_id": older})
    assert merged.ok, merged.text()
    agent.request.post(f"{server.url}/api/v1/tickets/{older}/messages", headers=csrf,
                       data={"body": "We will fix both on Friday"})

    expect(customer.get_by_test_id("widget-message").filter(has_text="fix both on Friday")).to_have_count(1)
    expect(customer.get_by_test_id("widget-notice")).to_have_count(1)  # the resolution's, from before
    expect(customer.get_by_test_id("widget-notice").filter(has_text="closed")).to_have_count(0)
    expect(customer.get_by_test_id("widget-rating")).to_be_hidden()
    assert agent.context.errors == [] and customer.context.errors == []

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


def test_a_ticket_merged_away_reads_as_it_was_and_leads_to_the_other(server, context_factory):
    """Opened after the merge, the merged ticket is read-only: a banner opens the ticket it was merged
    into, nothing can be changed, and its SLA clocks say the merge stopped them (it resolved nothing)."""
    agent = context_factory().new_page()
    login(agent, server.url, "owner@corner.test")
    turn_ai_off(agent.request, server.url)
    csrf = {"X-CSRF-Token": agent.request.get(f"{server.url}/api/v1/auth/me").json()["csrf_token"]}
    policy = agent.request.put(f"{server.url}/api/v1/sla-policy", headers=csrf,
                               data={"targets": {"first_response": {"normal": 60}, "resolution": {"normal": 600}}})
    assert policy.ok, policy.text()
    customer = context_factory().new_page()
    customer.goto(f"{server.url}/chat/corner")
    customer_says(customer, "My kickstand wobbles")
    older = open_ticket(agent, "kickstand wobbles")
    agent.get_by_test_id("ticket-status").select_option("resolved")
    expect(older).to_have_attribute("data-status", "resolved")
    older_number = older.locator(".row-num").inner_text()
    customer_says(customer, "Also a spoke rattles")
    newer = open_ticket(agent, "spoke rattles")
    newer_id = newer.get_attribute("data-ticket-id")
    agent.get_by_test_id("tag-input").fill("spokes")
    agent.get_by_test_id("tag-add").click()
    expect(agent.get_by_test_id("ticket-tag")).to_have_attribute("data-tag", "spokes")

    agent.evaluate("""() => {  // count the merge toasts shown, however long each stays
        window.mergeToasts = 0;
        new MutationObserver((changes) => changes.forEach((c) => c.addedNodes.forEach((n) => {
            if (n.dataset && n.dataset.testid === 'merge-toast') window.mergeToasts += 1;
        }))).observe(document.getElementById('toasts'), { childList: true });
    }""")
    agent.get_by_test_id("merge-open").click()
    agent.get_by_test_id("merge-ok").click()
    expect(agent.locator("#t-title")).to_contain_text("kickstand")
    expect(agent.get_by_test_id("merge-toast")).to_contain_text("was merged into")
    agent.wait_for_timeout(1500)  # the ticket_merged push has come by now
    assert agent.evaluate("window.mergeToasts") == 1

    agent.evaluate(f"location.hash = '#/tickets/{newer_id}'")
    expect(agent.locator("#t-title")).to_contain_text("spoke rattles")
    banner = agent.get_by_test_id("merged-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(f"Merged into {older_number}")
    for testid in ("ticket-status", "ticket-priority", "ticket-assignee", "tag-input", "tag-add", "merge-open",
                   "reply-send", "suggest-reply", "reply-private"):
        expect(agent.get_by_test_id(testid)).to_be_disabled()
    expect(agent.get_by_test_id("reply-box")).not_to_be_editable()
    expect(agent.get_by_test_id("ticket-tag")).to_have_attribute("data-tag", "spokes")
    expect(agent.get_by_test_id("tag-remove")).to_have_count(0)
    strip = agent.get_by_test_id("sla-strip")
    expect(strip.locator('[data-target="resolution"]')).to_contain_text(f"stopped: merged into {older_number}")
    expect(strip.locator('[data-target="first_response"]')).to_contain_text(f"stopped: merged into {older_number}")
    expect(strip).not_to_contain_text("met")
    expect(strip).not_to_contain_text("resolved before")
    agent.locator("#conversation").click()
    agent.keyboard.press("e")  # the resolve shortcut: says where to go instead of failing
    expect(agent.get_by_test_id("toast").last).to_contain_text(f"open {older_number} to carry on")
    note = agent.get_by_test_id("merge-note-link")
    expect(note).to_contain_text(f"Merged into ticket {older_number}")

    banner.get_by_test_id("merged-open").click()
    expect(agent.locator("#t-title")).to_contain_text("kickstand")
    expect(agent.get_by_test_id("merged-banner")).to_be_hidden()
    expect(agent.get_by_test_id("ticket-status")).to_be_enabled()
    expect(agent.get_by_test_id("reply-box")).to_be_editable()
    assert agent.context.errors == [] and customer.context.errors == []

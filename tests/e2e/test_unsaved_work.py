"""In a real browser: work not yet saved or sent is not thrown away silently. The knowledge base
editor asks before another article replaces unsaved changes (and the browser asks before the page
goes away); a half-written reply comes back after a reload."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import customer_says, desk_and_chat, login, open_ticket, turn_ai_off

pytestmark = pytest.mark.browser


def test_the_kb_editor_asks_before_unsaved_changes_are_discarded(server, context_factory):
    page = context_factory().new_page()
    login(page, server.url, "owner@corner.test")
    csrf = {"X-CSRF-Token": page.request.get(f"{server.url}/api/v1/auth/me").json()["csrf_token"]}
    for title, body in (("Opening hours", "Open 9 to 5."), ("Tyre sizes", "Most bikes take 700x28.")):
        made = page.request.post(f"{server.url}/api/v1/articles", headers=csrf,
                                 data={"title": title, "body": body, "tags": [], "published": True})
        assert made.ok, made.text()
    page.get_by_test_id("nav-kb").click()
    articles = page.locator("#kb-list a")
    articles.filter(has_text="Opening hours").click()
    body = page.locator("#kb-body")
    expect(body).to_have_value("Open 9 to 5.")
    opening = page.url

    articles.filter(has_text="Tyre sizes").click()  # nothing changed: no question
    expect(body).to_have_value("Most bikes take 700x28.")
    expect(page.locator("#confirm-dialog")).to_be_hidden()
    articles.filter(has_text="Opening hours").click()
    expect(body).to_have_value("Open 9 to 5.")
    body.click()
    page.keyboard.press("End")
    page.keyboard.type(" Closed on Sundays.")

    articles.filter(has_text="Tyre sizes").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Discard your unsaved changes to “Opening hours”?")
    page.get_by_test_id("confirm-cancel").click()  # kept: still the edited article, at its address
    expect(body).to_have_value("Open 9 to 5. Closed on Sundays.")
    expect(page).to_have_url(opening)

    with page.expect_event("dialog") as leaving:  # the browser asks before the page goes away
        page.evaluate("setTimeout(() => location.reload(), 0)")
    assert leaving.value.type == "beforeunload"
    leaving.value.dismiss()  # stay
    expect(body).to_have_value("Open 9 to 5. Closed on Sundays.")

    articles.filter(has_text="Tyre sizes").click()
    page.get_by_test_id("confirm-ok").click()  # discarded: the other article opens
    expect(body).to_have_value("Most bikes take 700x28.")
    articles.filter(has_text="Opening hours").click()
    expect(body).to_have_value("Open 9 to 5.")
    asked = []
    page.on("dialog", lambda d: (asked.append(d.type), d.accept()))
    page.reload()  # nothing unsaved: the page goes without a question
    expect(body).to_have_value("Open 9 to 5.")
    assert asked == []


def test_a_half_written_reply_survives_a_reload(server, context_factory):
    agent, customer = desk_and_chat(server, context_factory)
    turn_ai_off(agent.request, server.url)
    customer_says(customer, "Can you true a wheel")
    open_ticket(agent, "true a wheel")
    box = agent.get_by_test_id("reply-box")
    box.fill("Yes, we can true it while you")

    agent.reload()  # at once: what is written is stored as the page goes away
    agent.get_by_test_id("ticket-list").wait_for()
    expect(box).to_have_value("Yes, we can true it while you")
    box.press("End")
    box.press_sequentially(" wait.")
    box.press("Enter")
    expect(agent.get_by_test_id("message").filter(has_text="while you wait.")).to_have_count(1)
    expect(box).to_have_value("")
    agent.reload()  # sent: the draft is gone
    agent.get_by_test_id("ticket-list").wait_for()
    expect(agent.locator("#t-title")).to_contain_text("true a wheel")
    expect(box).to_have_value("")

    box.fill("Something for later")
    agent.locator("#logout").click()  # logging out forgets the drafts
    login(agent, server.url, "owner@corner.test")
    open_ticket(agent, "true a wheel")
    expect(box).to_have_value("")
    assert agent.context.errors == [] and customer.context.errors == []

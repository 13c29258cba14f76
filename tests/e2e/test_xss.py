"""Script injection, in a real browser: message bodies, customer and agent names and article text
full of HTML and script are shown as literal text in the console and the widget, and nothing runs
(``window.__pwned`` stays undefined, no dialog opens)."""
import pytest
import socketio
from playwright.sync_api import expect

from tests.e2e.conftest import inbox_row, login, open_ticket

pytestmark = pytest.mark.browser

CUSTOMER_TEXT = "Brakes <img src=x onerror=\"window.__pwned='msg';alert(1)\"><script>window.__pwned='msg2'</script>"
CUSTOMER_NAME = "Eve <svg onload=\"window.__pwned='cname'\"></svg>"
AGENT_NAME = "Olive <img src=x onerror=\"window.__pwned='aname'\">"
AGENT_REPLY = ("See <a href=\"javascript:window.__pwned='link'\">this</a> "
               "<iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe>")
ARTICLE_TITLE = "Brake pads <svg onload=\"window.__pwned='title'\">"
ARTICLE_BODY = ("Brake pads wear out. <img src=x onerror=\"window.__pwned='body'\">"
                "<script>window.__pwned='body2'</script> We replace brake pads in a day.")


def watch(page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    return page


def assert_inert(page):
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.dialogs == []
    for tag in ("script:not([src])", "iframe", "img[onerror]", "svg[onload]", "a[href^='javascript']"):
        assert page.locator(f"body {tag}").count() == 0, tag


def test_html_and_script_stay_text_everywhere(server, context_factory):
    agent = watch(context_factory().new_page())
    login(agent, server.url, "owner@corner.test")
    csrf = agent.request.get(f"{server.url}/api/v1/auth/me").json()["csrf_token"]
    headers = {"X-CSRF-Token": csrf}
    me = agent.request.get(f"{server.url}/api/v1/auth/me").json()["user"]
    assert agent.request.patch(f"{server.url}/api/v1/users/{me['id']}", data={"name": AGENT_NAME},
                               headers=headers).ok
    assert agent.request.post(f"{server.url}/api/v1/articles", data={"title": ARTICLE_TITLE, "body": ARTICLE_BODY},
                              headers=headers).ok

    # a visitor with a hostile name writes in (a Socket.IO client, as any script could)
    eve = socketio.Client()
    eve.connect(server.url, namespaces=["/widget"], auth={"company": "corner"}, transports=["polling"])
    assert eve.call("identify", {"name": CUSTOMER_NAME}, namespace="/widget")["ok"]
    assert eve.call("customer_message", {"text": "Eve asks <b>bold</b>?", "client_id": "e1"}, namespace="/widget")["ok"]
    eve.disconnect()

    # the customer in the widget
    customer = watch(context_factory(viewport={"width": 390, "height": 760}).new_page())
    customer.goto(f"{server.url}/chat/corner")
    expect(customer.get_by_test_id("widget-status")).to_be_attached()
    customer.get_by_test_id("widget-input").fill(CUSTOMER_TEXT + " How long do brake pads take?")
    customer.get_by_test_id("widget-send").click()
    expect(customer.get_by_test_id("widget-message").filter(has_text="window.__pwned='msg2'")).to_have_count(1)

    # the console: the customer's message, Eve's name, the article
    agent.reload()
    agent.get_by_test_id("ticket-list").wait_for()
    expect(inbox_row(agent, CUSTOMER_NAME)).to_have_count(1, timeout=10_000)
    open_ticket(agent, "Brakes")
    expect(agent.get_by_test_id("message").filter(has_text=CUSTOMER_TEXT).first).to_be_visible()
    agent.get_by_test_id("reply-box").fill(AGENT_REPLY)
    agent.get_by_test_id("reply-send").click()
    expect(agent.get_by_test_id("message").filter(has_text=AGENT_REPLY)).to_have_count(1, timeout=10_000)
    agent.get_by_test_id("nav-kb").click()
    expect(agent.locator("body")).to_contain_text(ARTICLE_TITLE, timeout=10_000)

    # the widget: the agent's reply, literal
    reply = customer.get_by_test_id("widget-message").filter(has_text=AGENT_REPLY)
    expect(reply).to_have_count(1, timeout=10_000)
    expect(reply).to_contain_text(AGENT_NAME)  # the agent's name, literal, on the reply

    for page in (customer, agent):
        assert_inert(page)


@pytest.mark.parametrize("path", ["/console", "/chat/corner"])
def test_pages_are_served_with_a_csp_without_inline_script(server, context_factory, path):
    page = context_factory().new_page()
    response = page.goto(f"{server.url}{path}")
    csp = response.headers["content-security-policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src")).split()[1:]
    assert script_src == ["'self'"], csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.reload()
    page.wait_for_load_state("networkidle")
    assert violations == []  # the pages themselves need no inline script

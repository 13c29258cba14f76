"""A customer writes in the widget; an agent in another browser sees it live, replies; the
customer sees the typing indicator and the reply. Real server, real Chromium."""
import functools
import re
import http.server
import threading

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (api_login, customer_says, desk_and_chat, inbox_row, login, open_ticket,
                                 turn_ai_off)

pytestmark = pytest.mark.browser


def test_customer_and_agent_talk_live(server, context_factory):
    agent_page = context_factory().new_page()
    login(agent_page, server.url, "owner@corner.test")

    customer_page = context_factory(viewport={"width": 390, "height": 760}).new_page()
    customer_page.goto(f"{server.url}/chat/corner")
    expect(customer_page.get_by_test_id("widget-status")).to_be_attached()
    customer_page.get_by_test_id("widget-input").fill("Hi, my <b>brakes</b> squeak <script>alert(1)</script>")
    customer_page.get_by_test_id("widget-send").click()

    # the ticket appears in the agent's inbox without a reload
    open_ticket(agent_page, "brakes")
    customer_msg = agent_page.get_by_test_id("message").filter(has_text="squeak")
    expect(customer_msg).to_contain_text("<b>brakes</b>")  # shown as text, not HTML
    expect(agent_page.locator("[data-testid=conversation] script")).to_have_count(0)

    # the agent types: the customer sees the indicator
    reply_box = agent_page.get_by_test_id("reply-box")
    reply_box.click()
    reply_box.press_sequentially("Sorry to hear", delay=30)
    expect(customer_page.get_by_test_id("widget-typing")).to_be_visible(timeout=10_000)

    # the customer types: the agent sees the indicator
    customer_page.get_by_test_id("widget-input").press_sequentially("still there?", delay=30)
    expect(agent_page.get_by_test_id("typing-indicator")).to_be_visible(timeout=10_000)

    reply_box.fill("Bring it in, we'll adjust them for free.")
    agent_page.get_by_test_id("reply-send").click()
    reply = customer_page.get_by_test_id("widget-message").filter(has_text="adjust them for free")
    expect(reply).to_have_count(1, timeout=10_000)
    expect(reply).to_have_attribute("data-author-role", "agent")
    expect(customer_page.get_by_test_id("widget-typing")).to_be_hidden(timeout=10_000)

    # the customer's follow-up arrives as a message alone: the inbox row shows it as the last message
    customer_page.get_by_test_id("widget-input").fill("Great, see you on Tuesday")
    customer_page.get_by_test_id("widget-send").click()
    expect(inbox_row(agent_page, "see you on Tuesday")).to_have_count(1, timeout=10_000)

    # Arabic reads right to left on both sides
    customer_page.get_by_test_id("widget-input").fill("مرحبا، متى يصل طلبي؟")
    customer_page.get_by_test_id("widget-send").click()
    arabic = agent_page.get_by_test_id("message").filter(has_text="مرحبا")
    expect(arabic).to_have_count(1, timeout=10_000)
    assert arabic.locator(".msg-body").evaluate("e => getComputedStyle(e).direction") == "rtl"
    sent = customer_page.get_by_test_id("widget-message").filter(has_text="مرحبا").locator(".hw-body")
    assert sent.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert customer_page.get_by_test_id("widget-message").filter(has_text="adjust them for free").locator(
        ".hw-body").evaluate("e => getComputedStyle(e).direction") == "ltr"

    # a private note stays with the agents
    agent_page.get_by_test_id("reply-private").check()
    reply_box.fill("Customer seems in a hurry")
    agent_page.get_by_test_id("reply-send").click()
    expect(agent_page.get_by_test_id("message").filter(has_text="in a hurry")).to_have_attribute(
        "data-private", "true")

    # the customer reloads and gets the conversation back, without the note
    customer_page.reload()
    expect(customer_page.get_by_test_id("widget-message").filter(has_text="adjust them for free")).to_have_count(1)
    expect(customer_page.get_by_test_id("widget-message").filter(has_text="squeak")).to_have_count(1)
    expect(customer_page.get_by_test_id("widget-message").filter(has_text="in a hurry")).to_have_count(0)
    expect(customer_page.locator("[data-testid=widget-messages] script")).to_have_count(0)
    assert not customer_page.context.errors and not agent_page.context.errors


@pytest.fixture
def shop_site(tmp_path, server):
    """The shop's own web page, on another origin (its own loopback server), embedding the widget."""
    (tmp_path / "index.html").write_text(
        '<!doctype html><title>Shop</title><link rel="icon" href="data:,"><h1>Bike shop</h1>'
        f'<script src="{server.url}/widget.js" data-company="corner" async></script>')
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{site.server_address[1]}/"
    site.shutdown()


def console_problems(page) -> list[str]:
    """The errors and warnings the page (and its frames) log to the console from now on (Chromium logs
    a postMessage refused for its target origin as a warning)."""
    logged: list[str] = []
    page.on("console", lambda m: logged.append(m.text) if m.type in ("error", "warning") else None)
    return logged


def test_the_embed_snippet_opens_the_chat_on_a_shop_page(server, shop_site, context_factory):
    page = context_factory().new_page()
    logged = console_problems(page)
    page.goto(shop_site)
    bubble = page.get_by_test_id("hearth-bubble")
    expect(bubble).to_be_visible(timeout=10_000)
    bubble.click()
    frame = page.frame_locator("[data-testid=hearth-frame]")
    expect(frame.get_by_test_id("widget-input")).to_be_focused()  # hearth:focus, posted once the chat loaded
    frame.get_by_test_id("widget-input").fill("Hello from the shop page")
    frame.get_by_test_id("widget-send").click()
    expect(frame.get_by_test_id("widget-message").filter(has_text="Hello from the shop page")).to_have_count(1)
    assert logged == [] and page.context.errors == []


def test_an_embedded_chat_never_hands_its_visitor_token_to_the_page(server, shop_site, context_factory):
    """Any site may frame the chat; a page holding the token could read the conversation. The shop's
    page on another site (localhost) than Hearth (127.0.0.1), whose frame storage Chromium blocks:
    nothing of the visitor reaches the page, its storage or its messages."""
    page = context_factory().new_page()
    page.add_init_script("window.__seen = []; window.addEventListener('message', e => window.__seen.push(e.data));")
    page.goto(shop_site.replace("127.0.0.1", "localhost"))
    page.get_by_test_id("hearth-bubble").click()
    frame = page.frame_locator("[data-testid=hearth-frame]")
    frame.get_by_test_id("widget-input").fill("Is my parcel on its way?")
    frame.get_by_test_id("widget-send").click()
    expect(frame.get_by_test_id("widget-message").filter(has_text="Is my parcel on its way?")).to_have_attribute(
        "data-state", "sent")
    assert page.evaluate("Object.keys(localStorage)") == []
    assert all("token" not in str(message).lower() for message in page.evaluate("window.__seen")), \
        page.evaluate("window.__seen")

def test_console_keyboard_palette_and_theme(server, context_factory):
    page = context_factory().new_page()
    login(page, server.url, "owner@corner.test")
    page.keyboard.press("Control+k")
    palette = page.get_by_test_id("palette-input")
    expect(palette).to_be_focused()
    palette.fill("knowledge")
    palette.press("Enter")
    expect(page).to_have_url(re.compile(r"#/kb"))
    expect(page.get_by_role("searchbox", name="Search articles")).to_be_visible()
    before = page.evaluate("document.documentElement.dataset.theme || ''")
    page.get_by_test_id("theme-toggle").click()
    assert page.evaluate("document.documentElement.dataset.theme || ''") != before


@pytest.mark.parametrize("mac", [False, True])
def test_the_palette_key_is_named_as_this_computers_keyboard_names_it(server, context_factory, mac):
    context = context_factory()
    if mac:
        context.add_init_script("Object.defineProperty(Navigator.prototype, 'platform', { get: () => 'MacIntel' });"
                                "Object.defineProperty(Navigator.prototype, 'userAgentData', { get: () => undefined });")
    page = context.new_page()
    login(page, server.url, "owner@corner.test")
    button = page.locator("#palette-open")
    expect(button).to_have_text("⌘K" if mac else "Ctrl+K")
    expect(button).to_have_attribute("aria-label", f"Open command palette ({'Command' if mac else 'Ctrl'}+K)")
    page.locator("#main").click(position={"x": 5, "y": 5})
    page.keyboard.press("?")
    expect(page.get_by_test_id("help-palette-keys")).to_have_text("⌘ K" if mac else "Ctrl K")
    page.keyboard.press("Escape")
    page.keyboard.press("Meta+k" if mac else "Control+k")  # what the label says opens it
    expect(page.get_by_test_id("palette-input")).to_be_focused()


def test_theme_follows_the_system_until_the_user_chooses(server, context_factory):
    page = context_factory(color_scheme="dark").new_page()
    login(page, server.url, "owner@corner.test")
    background = "getComputedStyle(document.body).backgroundColor"
    theme = "document.documentElement.dataset.theme"
    assert page.evaluate(theme) == "dark"
    dark = page.evaluate(background)
    page.emulate_media(color_scheme="light")  # the system switches: the console follows
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    light = page.evaluate(background)
    assert light != dark
    page.emulate_media(color_scheme="dark")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")

    page.get_by_test_id("theme-toggle").click()  # the user chooses light on a dark system
    assert page.evaluate(theme) == "light" and page.evaluate(background) == light
    expect(page.get_by_test_id("theme-toggle")).to_have_attribute("aria-label", "Switch to dark theme")
    page.reload()
    page.get_by_test_id("ticket-list").wait_for()
    assert page.evaluate(theme) == "light" and page.evaluate(background) == light
    page.get_by_test_id("theme-toggle").click()  # and dark explicitly
    assert page.evaluate(theme) == "dark" and page.evaluate(background) == dark


def test_a_follow_up_lists_a_ticket_the_inbox_did_not_hold(server, context_factory):
    """A customer's follow-up arrives as a message alone; when the inbox did not hold its ticket
    (here: a search it did not match until now), the console reads the ticket and lists it."""
    agent, customer = desk_and_chat(server, context_factory)
    customer_says(customer, "My chain slips on hills")
    expect(inbox_row(agent, "chain slips")).to_have_count(1, timeout=10_000)

    agent.locator("#f-q").fill("creaks")
    expect(agent.get_by_test_id("ticket-row")).to_have_count(0)
    customer_says(customer, "And the left pedal creaks")
    expect(inbox_row(agent, "pedal creaks")).to_have_count(1, timeout=10_000)
    assert agent.context.errors == [] and customer.context.errors == []


def test_a_live_update_during_a_press_does_not_swallow_the_click(server, context_factory):
    """A row whose ticket changes while it is pressed is left as it is until the press ends (the
    pressed element stays in the page), so the click still opens the ticket; then it shows the change."""
    agent, customer = desk_and_chat(server, context_factory)
    customer_says(customer, "My tyre keeps going flat")
    row = inbox_row(agent, "going flat")
    expect(row).to_have_count(1, timeout=10_000)
    count = agent.get_by_test_id("ticket-row").count()

    row.hover()
    agent.mouse.down()
    customer_says(customer, "It happened again this morning")
    other = context_factory().new_page()
    other.goto(f"{server.url}/chat/corner")
    customer_says(other, "Do you sell floor pumps")
    # pushed after the follow-up: once the console counts the new ticket, the follow-up has arrived
    expect(agent.locator("#list-meta")).to_have_text(f"{count + 1} tickets", timeout=10_000)
    expect(row).not_to_contain_text("again this morning")
    agent.mouse.up()
    expect(agent.get_by_test_id("message").filter(has_text="going flat")).to_have_count(1, timeout=10_000)
    expect(inbox_row(agent, "again this morning")).to_have_count(1)
    assert agent.context.errors == [] and customer.context.errors == [] and other.context.errors == []


def test_the_embed_bubble_wears_the_companys_widget_colour(server, shop_site, tmp_path, context_factory):
    """A colour saved in the console reaches the bubble on the shop's page, whose snippet stays as it was;
    data-color on the tag still overrides it; a company that does not exist gets no bubble and leaves the
    page working. (Other Shop's colour changes here: Corner Bikes' stays as the other tests expect.)"""
    for name, attributes in (("shop.html", 'data-company="other"'),
                             ("green.html", 'data-company="other" data-color="#16a34a"'),
                             ("unknown.html", 'data-company="no-such-shop"')):
        (tmp_path / name).write_text(
            '<!doctype html><title>Shop</title><link rel="icon" href="data:,"><h1>Bike shop</h1>'
            f'<script src="{server.url}/widget.js" {attributes} async></script>')
    page = context_factory().new_page()
    logged = console_problems(page)
    page.goto(shop_site + "shop.html")
    bubble = page.get_by_test_id("hearth-bubble")
    expect(bubble).to_have_css("background-color", "rgb(37, 99, 235)", timeout=10_000)  # the default, #2563eb

    owner = context_factory().request
    csrf = api_login(owner, server.url, "owner@other.test")
    assert owner.patch(f"{server.url}/api/v1/company", headers=csrf,
                       data={"settings": {"widget_color": "#dc2626"}}).ok
    page.reload()
    expect(bubble).to_have_css("background-color", "rgb(220, 38, 38)", timeout=10_000)
    expect(bubble).to_have_attribute("aria-label", "Chat with Other Shop")
    bubble.click()
    chat = page.frame_locator("[data-testid=hearth-frame]")
    expect(chat.get_by_test_id("widget-send")).to_have_css("background-color", "rgb(220, 38, 38)")

    page.goto(shop_site + "green.html")
    expect(bubble).to_have_css("background-color", "rgb(22, 163, 74)", timeout=10_000)
    assert logged == [] and page.context.errors == []

    with page.expect_console_message(lambda m: "no chat for the company" in m.text):
        page.goto(shop_site + "unknown.html")
    expect(page.get_by_role("heading", name="Bike shop")).to_be_visible()
    expect(page.locator("hearth-widget")).to_have_count(0)
    assert page.context.errors == []


def ticket_of(customer, agent, base_url: str, text: str) -> int:
    """The id of the ticket holding the customer's message ``text``, once their chat shows it stored."""
    expect(customer.get_by_test_id("widget-message").filter(has_text=text)).to_have_attribute("data-state", "sent")
    return agent.request.get(f"{base_url}/api/v1/tickets", params={"q": text}).json()["items"][0]["id"]


# What the customer reads, top to bottom: each message's text, and the notices between them
CONVERSATION = """list => Array.from(list.children).map(li =>
  li.classList.contains('hw-notice') ? 'notice: ' + li.textContent : li.querySelector('.hw-body').textContent)"""
RESOLVED = "This conversation was marked resolved. Send a message if you need more help."


def test_a_reload_shows_a_finished_conversation_as_the_customer_left_it(server, context_factory):
    """Resolved, rated, then one more word from the agent: after a reload the chat reads as before, the
    resolution's notice where it was, the thanks instead of the rating form. (Other Shop, people only.)"""
    agent, customer = desk_and_chat(server, context_factory, slug="other")
    turn_ai_off(agent.request, server.url)
    csrf = {"X-CSRF-Token": agent.request.get(f"{server.url}/api/v1/auth/me").json()["csrf_token"]}
    customer_says(customer, "My bell is loose")
    ticket = f"{server.url}/api/v1/tickets/{ticket_of(customer, agent, server.url, 'My bell is loose')}"
    assert agent.request.post(f"{ticket}/messages", headers=csrf, data={"body": "Tightened it for you"}).ok
    assert agent.request.patch(ticket, headers=csrf, data={"status": "resolved"}).ok
    expect(customer.get_by_test_id("widget-notice")).to_contain_text("marked resolved")
    customer.locator('label[for="hw-score-5"]').click()
    customer.get_by_test_id("widget-rating-submit").click()
    thanks = customer.get_by_test_id("widget-rating-thanks")
    expect(thanks).to_be_visible()
    assert agent.request.post(f"{ticket}/messages", headers=csrf, data={"body": "Ride safe!"}).ok
    expect(customer.get_by_test_id("widget-message").filter(has_text="Ride safe!")).to_have_count(1)
    conversation = customer.get_by_test_id("widget-messages")
    before = conversation.evaluate(CONVERSATION)
    assert before[-3:] == ["Tightened it for you", "notice: " + RESOLVED, "Ride safe!"], before

    customer.reload()
    expect(customer.get_by_test_id("widget-status")).to_have_attribute("data-state", "connected")
    assert conversation.evaluate(CONVERSATION) == before
    expect(thanks).to_be_visible()
    expect(customer.get_by_test_id("widget-rating")).to_be_hidden()
    assert agent.context.errors == [] and customer.context.errors == []



def test_a_merge_shows_the_conversation_it_went_into_at_once(server, context_factory):
    """The chat shows the customer's newer ticket only (after a reload); an agent merges it into their older
    one: the older one's messages appear at once, in time order, and a reload shows the same."""
    agent, customer = desk_and_chat(server, context_factory, slug="other")
    turn_ai_off(agent.request, server.url)
    csrf = {"X-CSRF-Token": agent.request.get(f"{server.url}/api/v1/auth/me").json()["csrf_token"]}
    customer_says(customer, "My pump is broken")
    older = ticket_of(customer, agent, server.url, "My pump is broken")
    assert agent.request.patch(f"{server.url}/api/v1/tickets/{older}", headers=csrf, data={"status": "resolved"}).ok
    expect(customer.get_by_test_id("widget-notice")).to_contain_text("marked resolved")
    customer_says(customer, "And my light flickers")
    newer = ticket_of(customer, agent, server.url, "And my light flickers")
    customer.reload()
    bodies = customer.get_by_test_id("widget-message").locator(".hw-body")
    expect(bodies).to_have_text(["And my light flickers"])

    merged = agent.request.post(f"{server.url}/api/v1/tickets/{newer}/merge", headers=csrf,
                                data={"target_id": older})
    assert merged.ok, merged.text()
    expect(bodies).to_have_text(["My pump is broken", "And my light flickers"])
    assert agent.request.post(f"{server.url}/api/v1/tickets/{older}/messages", headers=csrf,
                              data={"body": "We will fix both on Friday"}).ok
    expect(bodies).to_have_text(["My pump is broken", "And my light flickers", "We will fix both on Friday"])
    conversation = customer.get_by_test_id("widget-messages")
    before = conversation.evaluate(CONVERSATION)
    customer.reload()
    expect(customer.get_by_test_id("widget-status")).to_have_attribute("data-state", "connected")
    assert conversation.evaluate(CONVERSATION) == before
    assert agent.context.errors == [] and customer.context.errors == []

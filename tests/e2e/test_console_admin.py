"""In a real browser: the top bar keeps to one row for an admin (the admin pages sit under one
"Admin" menu, usable by keyboard), agents have no such menu, an admin unlocks an account that
failed logins locked, a person changes their own password from the top bar and an admin sets
someone else's."""
import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import (api_login, corner_bikes, customer_says, desk_and_chat, login, open_admin_page,
                                open_ticket, turn_ai_off)
from tests.live import LiveServer

pytestmark = pytest.mark.browser

ADMIN = "owner@corner.test"
AGENT = "ada@corner.test"
NEW_PASSWORD = "a brand new password"

# Every visible part of the top bar shares one row (their boxes overlap vertically) and nothing
# sticks out sideways.
TOP_BAR_LAYOUT = """() => {
  const bar = document.querySelector('.topbar');
  const parts = [...bar.querySelectorAll('.brand, .nav > *, .topbar-tools > *')].filter((el) => el.offsetParent);
  const boxes = parts.map((el) => el.getBoundingClientRect()).filter((b) => b.width > 0);
  return { overflow: bar.scrollWidth - bar.clientWidth, lowestTop: Math.max(...boxes.map((b) => b.top)),
           highestBottom: Math.min(...boxes.map((b) => b.bottom)), parts: boxes.length };
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # every login of this module comes from 127.0.0.1: more than the 20 a minute an address has by default
    data = corner_bikes(tmp_path_factory.mktemp("e2e-admin") / "data",
                        {"login_lockout_failures": 3, "rate_limit_login_ip": "100/minute"})
    live = LiveServer(data).start()
    try:
        yield live
    finally:
        live.stop()


def add_agent(server, browser, email: str, name: str) -> dict:
    """A new agent of Corner Bikes (password PASSWORD), added by the owner through the API."""
    context = browser.new_context()
    try:
        made = context.request.post(f"{server.url}/api/v1/users", headers=api_login(context.request, server.url, ADMIN),
                                    data={"email": email, "name": name, "password": PASSWORD, "role": "agent"})
        assert made.ok, made.text()
        return made.json()
    finally:
        context.close()


@pytest.fixture(scope="module")
def agent(server, browser):
    return add_agent(server, browser, AGENT, "Ada Agent")


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 1024])
def test_the_admin_top_bar_is_one_row(server, context_factory, width, color_scheme):
    page = context_factory(viewport={"width": width, "height": 800}, color_scheme=color_scheme).new_page()
    login(page, server.url, ADMIN)
    expect(page.get_by_test_id("presence")).to_contain_text("online")  # the top bar at its fullest
    expect(page.locator("#conn-status")).to_have_text("Live")
    layout = page.evaluate(TOP_BAR_LAYOUT)
    assert layout["parts"] >= 8
    assert layout["overflow"] <= 0, layout
    assert layout["lowestTop"] < layout["highestBottom"], layout

    page.get_by_test_id("nav-admin").click()  # the menu opens below, inside the window
    menu = page.get_by_test_id("nav-admin-menu")
    expect(menu).to_be_visible()
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    for name in ("settings", "users", "audit", "health", "webhooks", "reports"):
        expect(page.get_by_test_id(f"nav-{name}")).to_be_visible()


def test_the_admin_menu_by_keyboard(server, context_factory):
    page = context_factory().new_page()
    login(page, server.url, ADMIN)
    button, menu = page.get_by_test_id("nav-admin"), page.get_by_test_id("nav-admin-menu")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()

    button.focus()
    page.keyboard.press("ArrowDown")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_test_id("nav-settings")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_test_id("nav-users")).to_be_focused()
    page.keyboard.press("End")
    expect(page.get_by_test_id("nav-reports")).to_be_focused()
    page.keyboard.press("ArrowDown")  # wraps round
    expect(page.get_by_test_id("nav-settings")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "false")

    page.keyboard.press("Enter")  # the button itself opens it; Tab walks into the links
    expect(menu).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("nav-settings")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server.url}/console#/users")
    expect(menu).to_be_hidden()
    expect(page.get_by_test_id("nav-users")).to_have_attribute("aria-current", "page")
    expect(button).to_have_class("nav-group-button active")

    button.click()  # a click elsewhere closes it
    expect(menu).to_be_visible()
    page.locator("#main").click(position={"x": 5, "y": 5})
    expect(menu).to_be_hidden()
    page.get_by_test_id("nav-inbox").click()
    expect(button).to_have_class("nav-group-button")


def test_the_audit_trail_reads_as_words(server, context_factory):
    """Audit details read as "status: open → pending", not as raw JSON, and keep every value."""
    page, customer = desk_and_chat(server, context_factory)
    turn_ai_off(page.request, server.url)
    customer_says(customer, "My gears skip")
    row = open_ticket(page, "gears skip")
    page.get_by_test_id("ticket-status").select_option("pending")
    expect(row).to_have_attribute("data-status", "pending")

    open_admin_page(page, "audit")
    details = page.get_by_test_id("audit-details")
    expect(details.filter(has_text="status: open → pending")).to_have_count(1)
    expect(details.filter(has_text="settings.ai_enabled: false")).to_have_count(1)
    expect(details.filter(has_text="{")).to_have_count(0)
    expect(details.filter(has_text='"')).to_have_count(0)


def test_an_agent_has_no_admin_menu(server, context_factory, agent):
    page = context_factory(viewport={"width": 1024, "height": 800}).new_page()
    login(page, server.url, AGENT)
    expect(page.get_by_test_id("nav-canned")).to_be_visible()
    expect(page.get_by_test_id("nav-admin")).to_be_hidden()
    assert page.evaluate(TOP_BAR_LAYOUT)["overflow"] <= 0


def test_an_admin_unlocks_a_locked_account(server, context_factory, agent):
    attempts = context_factory().request
    for _ in range(3):
        failed = attempts.post(f"{server.url}/api/v1/auth/login", data={"email": AGENT, "password": "wrong-password-1"})
        assert failed.status == 401
    locked = attempts.post(f"{server.url}/api/v1/auth/login", data={"email": AGENT, "password": PASSWORD})
    assert locked.status == 403 and locked.json()["error"]["code"] == "account_locked"

    page = context_factory().new_page()
    login(page, server.url, ADMIN)
    open_admin_page(page, "users")
    ada = page.get_by_test_id("user-row").filter(has_text=AGENT)
    owner = page.get_by_test_id("user-row").filter(has_text=ADMIN)
    expect(ada.get_by_test_id("user-locked")).to_have_text("Locked")
    expect(owner.get_by_test_id("user-unlock")).to_have_count(0)
    unlock = page.get_by_role("button", name="Unlock Ada Agent")
    expect(unlock).to_have_attribute("data-testid", "user-unlock")
    unlock.focus()
    page.keyboard.press("Enter")
    expect(ada.get_by_test_id("user-locked")).to_have_count(0)
    expect(ada.get_by_test_id("user-unlock")).to_have_count(0)

    again = attempts.post(f"{server.url}/api/v1/auth/login", data={"email": AGENT, "password": PASSWORD})
    assert again.status == 200, again.text()
    page.reload()  # the lock is gone on the server, not only on the page
    open_admin_page(page, "users")
    expect(ada).to_have_count(1)
    expect(ada.get_by_test_id("user-locked")).to_have_count(0)


# From now on, every text #conn-status shows and when (ms).
WATCH_CONNECTION = """() => {
  const el = document.querySelector('#conn-status');
  window.__conn = [];
  new MutationObserver(() => window.__conn.push({ text: el.textContent, at: performance.now() }))
    .observe(el, { childList: true, characterData: true, subtree: true });
}"""
# Once the socket is live again after the server closed it: {ms} from "Reconnecting…" to "Live".
RECONNECTED = """() => {
  const seen = window.__conn, closed = seen.findIndex((s) => s.text === 'Reconnecting…');
  const back = closed < 0 ? undefined : seen.slice(closed).find((s) => s.text === 'Live');
  return back ? { ms: back.at - seen[closed].at } : null;
}"""


def log_in_status(request, base_url: str, email: str, password: str) -> int:
    return request.post(f"{base_url}/api/v1/auth/login", data={"email": email, "password": password}).status


def test_an_agent_changes_their_password_and_stays_in_the_console(server, context_factory, browser):
    email = "bea@corner.test"
    add_agent(server, browser, email, "Bea Agent")
    other_device = context_factory().request
    api_login(other_device, server.url, email)
    page = context_factory().new_page()
    login(page, server.url, email)
    expect(page.locator("#conn-status")).to_have_text("Live")

    dialog = page.get_by_test_id("password-dialog")
    page.get_by_test_id("me-password").click()
    expect(dialog.get_by_role("heading")).to_have_text("Change your password")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.get_by_role("button", name="Bea Agent: change your password").click()
    current = page.get_by_test_id("password-current")
    expect(current).to_be_focused()
    current.fill("not-my-password")
    page.get_by_test_id("password-new").fill(NEW_PASSWORD)
    page.get_by_test_id("password-save").click()
    expect(dialog.locator('[data-error-for="current_password"]')).to_have_text("is not your current password")
    expect(current).to_have_attribute("aria-invalid", "true")

    page.evaluate(WATCH_CONNECTION)
    current.fill(PASSWORD)
    page.get_by_test_id("password-save").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("toast").filter(has_text="Your password was changed")).to_contain_text(
        "Your password was changed; your other sessions were signed out.")
    # the server closed this tab's socket with the account's sessions: it is back at once, not after 5 s
    reconnected = page.wait_for_function(RECONNECTED, timeout=15_000).json_value()
    assert reconnected["ms"] < 3000, reconnected
    expect(page.locator("#conn-status")).to_have_text("Live")
    expect(page.get_by_test_id("ticket-list")).to_be_visible()
    expect(page.locator("#login-screen")).to_be_hidden()
    assert other_device.get(f"{server.url}/api/v1/auth/me").status == 401

    page.locator("#logout").click()
    login(page, server.url, email, NEW_PASSWORD)
    assert log_in_status(context_factory().request, server.url, email, PASSWORD) == 401
    assert not page.context.errors


def test_an_admin_sets_another_persons_password(server, context_factory, browser):
    email = "cleo@corner.test"
    add_agent(server, browser, email, "Cleo Agent")
    cleo = context_factory().request
    api_login(cleo, server.url, email)
    page = context_factory().new_page()
    login(page, server.url, ADMIN)
    open_admin_page(page, "users")
    owner = page.get_by_test_id("user-row").filter(has_text=ADMIN)
    expect(page.get_by_test_id("user-row").filter(has_text=email).get_by_test_id("user-set-password")).to_have_count(1)
    expect(owner.get_by_test_id("user-set-password")).to_have_count(0)  # your own: the top bar's dialog

    page.get_by_role("button", name="Set a new password for Cleo Agent").click()
    dialog = page.get_by_test_id("set-password-dialog")
    expect(dialog.get_by_role("heading")).to_have_text("New password for Cleo Agent")
    page.get_by_test_id("set-password-input").fill("short")
    page.get_by_test_id("set-password-save").click()
    expect(dialog.locator('[data-error-for="password"]')).to_have_text("must be at least 10 characters")
    page.get_by_test_id("set-password-input").fill(NEW_PASSWORD)
    page.get_by_test_id("set-password-save").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("toast").filter(has_text="Cleo Agent's password was changed")).to_contain_text(
        "their sessions were signed out")
    assert cleo.get(f"{server.url}/api/v1/auth/me").status == 401
    assert log_in_status(context_factory().request, server.url, email, NEW_PASSWORD) == 200

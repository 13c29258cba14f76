"""In a real browser: the top bar keeps to one row for an admin (the admin pages sit under one
"Admin" menu, usable by keyboard), agents have no such menu, and an admin unlocks an account that
failed logins locked."""
import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import (api_login, corner_bikes, customer_says, login, open_admin_page, open_ticket,
                                turn_ai_off)
from tests.live import LiveServer

pytestmark = pytest.mark.browser

ADMIN = "owner@corner.test"
AGENT = "ada@corner.test"

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
    data = corner_bikes(tmp_path_factory.mktemp("e2e-admin") / "data", {"login_lockout_failures": 3})
    live = LiveServer(data).start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def agent(server, browser):
    context = browser.new_context()
    made = context.request.post(f"{server.url}/api/v1/users", headers=api_login(context.request, server.url, ADMIN),
                                data={"email": AGENT, "name": "Ada Agent", "password": PASSWORD, "role": "agent"})
    assert made.ok, made.text()
    user = made.json()
    context.close()
    return user


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
    page = context_factory().new_page()
    login(page, server.url, ADMIN)
    turn_ai_off(page.request, server.url)
    customer = context_factory().new_page()
    customer.goto(f"{server.url}/chat/corner")
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

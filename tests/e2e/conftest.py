"""End-to-end fixtures: a real Hearth server process and Debian's Chromium driven by Playwright."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.live import LiveServer, company_data_dir

CHROMIUM = os.environ.get("HEARTH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright):
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` as root, or `sudo apt-get install chromium`")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def devices(playwright):
    """Playwright's device descriptors (viewport, user agent, touch), e.g. devices["Pixel 7"]."""
    return playwright.devices


def corner_bikes(data: Path, settings: dict | None = None) -> Path:
    """A new data dir holding the company Corner Bikes (admin owner@corner.test, "Olive Owner") and,
    if given, a settings.json."""
    return company_data_dir(data, name="Corner Bikes", slug="corner", settings=settings or None,
                            extra=("--admin-name", "Olive Owner"))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = corner_bikes(tmp_path_factory.mktemp("e2e") / "data")
    company_data_dir(data, name="Other Shop", slug="other")
    live = LiveServer(data).start()
    yield live
    live.stop()


@pytest.fixture
def context_factory(browser, request):
    contexts = []

    def make(**kwargs):
        context = browser.new_context(**kwargs)
        errors = []
        context.on("weberror", lambda e: errors.append(str(e.error)))
        context.errors = errors
        contexts.append(context)
        return context

    yield make
    ARTIFACTS.mkdir(exist_ok=True)
    for i, context in enumerate(contexts):
        for j, page in enumerate(context.pages):
            try:
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{i}-{j}.png"))
            except Exception:
                pass
        context.close()


def login(page, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/console")
    page.get_by_test_id("login-email").fill(email)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("ticket-list").wait_for()


def customer_says(page, text: str, tap: bool = False) -> None:
    """The customer sends ``text`` from the chat (tapping Send, as on a phone, if ``tap``) and sees it
    in the conversation."""
    page.get_by_test_id("widget-input").fill(text)
    send = page.get_by_test_id("widget-send")
    if tap:
        send.tap()
    else:
        send.click()
    expect(page.get_by_test_id("widget-message").filter(has_text=text)).to_have_count(1)


def desk_and_chat(server, context_factory, slug: str = "corner", **customer_context):
    """An owner logged in to the console and a customer with the company's chat open, each in a
    browser of their own: (agent page, customer page). ``customer_context`` options (such as a
    phone-sized ``viewport``) are for the customer's browser."""
    agent = context_factory().new_page()
    login(agent, server.url, f"owner@{slug}.test")
    customer = context_factory(**customer_context).new_page()
    customer.goto(f"{server.url}/chat/{slug}")
    return agent, customer


def inbox_row(page, text: str):
    """The console's inbox rows that show ``text`` (in the subject, the last message or the customer's name)."""
    return page.get_by_test_id("ticket-row").filter(has_text=text)


def open_ticket(page, text: str):
    """The agent opens the one inbox row that shows ``text`` (waiting for it to be listed) and waits
    until the ticket view has loaded that ticket: its number in the title, its customer line filled
    in. Returns the row."""
    row = inbox_row(page, text)
    expect(row).to_have_count(1, timeout=10_000)
    number = row.locator(".row-num").inner_text()
    row.click()
    expect(page.locator("#t-title")).to_have_text(re.compile(rf"^{re.escape(number)} "))
    expect(page.locator("#t-customer")).not_to_be_empty()
    return row


def api_login(request, base_url: str, email: str, password: str = PASSWORD) -> dict[str, str]:
    """Log a browser context in through the API (its pages share the cookie); the CSRF header for writes."""
    response = request.post(f"{base_url}/api/v1/auth/login", data={"email": email, "password": password})
    assert response.ok, response.text()
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def turn_ai_off(request, base_url: str) -> None:
    """Switch the logged-in person's company's AI off, so conversations are between people only."""
    csrf = request.get(f"{base_url}/api/v1/auth/me").json()["csrf_token"]
    response = request.patch(f"{base_url}/api/v1/company", headers={"X-CSRF-Token": csrf},
                             data={"settings": {"ai_enabled": False}})
    assert response.ok, response.text()


def open_admin_page(page, name: str) -> None:
    """Go to an admin page as a person does: the top bar's Admin menu, then the page's link."""
    page.get_by_test_id("nav-admin").click()
    page.get_by_test_id(f"nav-{name}").click()

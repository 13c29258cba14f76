"""In a real browser: the owner sees offline-only's state, stores a cloud key (only its tail comes
back), takes a backup and downloads it, turns offline-only off; another company's admin only reads."""
import pytest
from playwright.sync_api import expect

from appliance.backup import MAGIC
from tests.e2e.conftest import login, open_admin_page

pytestmark = pytest.mark.browser


def test_privacy_and_safety_settings(server, context_factory, tmp_path):
    page = context_factory(accept_downloads=True).new_page()
    login(page, server.url, "owner@corner.test")
    open_admin_page(page, "settings")
    card = page.get_by_test_id("safety")
    expect(card.get_by_test_id("offline-state")).to_contain_text("On")
    expect(card.get_by_test_id("refused-count")).to_have_text("0")
    expect(card.get_by_test_id("cloud-key-hint")).to_have_text("Not set")

    page.get_by_label("Cloud API key").fill("sk-browser-test-key-WXYZ")
    card.get_by_role("button", name="Save key").click()
    expect(card.get_by_test_id("cloud-key-hint")).to_have_text("Set (ends in WXYZ)")
    expect(page.get_by_test_id("cloud-key-input")).to_have_value("")
    assert "sk-browser-test-key" not in page.content()

    page.get_by_test_id("backup-passphrase").fill("short")
    page.get_by_test_id("backup-now").click()
    expect(card.locator('[data-error-for="passphrase"]')).to_contain_text("8")
    page.get_by_test_id("backup-passphrase").fill("a long enough passphrase")
    page.get_by_test_id("backup-now").click()
    item = page.get_by_test_id("backup-item").first
    expect(item).to_contain_text("manual")
    with page.expect_download() as download:
        item.get_by_role("link").click()
    saved = tmp_path / "download.hearthbak"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(MAGIC)

    page.get_by_test_id("offline-toggle").click()
    page.get_by_test_id("confirm-ok").click()
    expect(card.get_by_test_id("offline-state")).to_contain_text("Off")
    page.get_by_test_id("offline-toggle").click()  # and back on, no confirmation needed
    expect(card.get_by_test_id("offline-state")).to_contain_text("On")

    other = context_factory().new_page()
    login(other, server.url, "owner@other.test")
    open_admin_page(other, "settings")
    expect(other.get_by_test_id("offline-state")).to_contain_text("On")
    expect(other.get_by_text("Only an admin of this installation's first company")).to_be_visible()
    expect(other.get_by_test_id("offline-toggle")).to_be_hidden()

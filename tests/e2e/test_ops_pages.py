"""In a real browser against a real server: the health panel shows the local model unreachable
(Ollama pointed at a closed port) with its alert, a webhook is added, tested and delivered, and one
that offline-only mode refuses says so."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import corner_bikes, login, open_admin_page
from tests.live import LiveServer
from tests.ops.receiver import Receiver

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def ops_server(tmp_path_factory):
    # port 9 on loopback refuses connections: the local model is unreachable, whatever runs here
    # a failed webhook delivery is tried again five minutes later
    data = corner_bikes(tmp_path_factory.mktemp("e2e-ops") / "data", {"ollama_host": "http://127.0.0.1:9",
                                                                      "webhook_retry_seconds": 300})
    live = LiveServer(data).start()
    yield live
    live.stop()


def test_health_panel_shows_the_local_model_unreachable(ops_server, context_factory):
    page = context_factory().new_page()
    login(page, ops_server.url, "owner@corner.test")
    open_admin_page(page, "health")
    local = page.get_by_test_id("health-local")
    expect(local).to_have_attribute("data-state", "unreachable")
    expect(local).to_contain_text("Unreachable")
    expect(local).to_contain_text("127.0.0.1:9")
    expect(page.get_by_test_id("health-cloud")).to_have_attribute("data-state", "offline-only")
    alert = page.get_by_test_id("health-alerts").get_by_test_id("health-alert")
    expect(alert).to_have_attribute("data-kind", "local_model")
    expect(alert).to_contain_text("Local model")
    expect(page.get_by_test_id("health-failure-rate")).to_contain_text("alert above 5%")


def test_a_webhook_is_added_tested_and_its_delivery_listed(ops_server, context_factory):
    receiver = Receiver()
    try:
        page = context_factory().new_page()
        login(page, ops_server.url, "owner@corner.test")
        open_admin_page(page, "webhooks")
        page.get_by_test_id("webhook-url").fill("ftp://example.com/x")
        page.get_by_test_id("webhook-add").click()
        expect(page.locator('[data-error-for="url"]')).to_contain_text("http:// or https://")

        page.get_by_test_id("webhook-url").fill(receiver.url)
        page.get_by_test_id("webhook-add").click()
        secret = page.get_by_test_id("webhook-secret")
        expect(secret).to_contain_text("whsec_")
        row = page.get_by_test_id("webhook-row")
        expect(row).to_contain_text(receiver.url)
        row.get_by_test_id("webhook-test").click()
        delivery = page.get_by_test_id("webhook-delivery").filter(has_text="webhook.test")
        expect(delivery).to_have_attribute("data-status", "delivered", timeout=15_000)  # the page re-polls
        expect(delivery).to_contain_text("HTTP 200")
        assert [r.headers["X-Hearth-Event"] for r in receiver.received] == ["webhook.test"]
    finally:
        receiver.close()


def test_a_webhook_offline_only_refuses_says_so_and_its_retry_is_in_the_future(ops_server, context_factory):
    page = context_factory().new_page()
    login(page, ops_server.url, "owner@corner.test")
    open_admin_page(page, "webhooks")
    expect(page.get_by_test_id("webhook-offline-note")).to_contain_text("Offline-only mode is on")
    page.get_by_test_id("webhook-url").fill("https://hooks.example.com/hearth")
    page.get_by_test_id("webhook-add").click()
    expect(page.get_by_test_id("webhook-offline-toast")).to_contain_text("nothing will be delivered to hooks.example.com")
    remote = page.get_by_test_id("webhook-row").filter(has_text="hooks.example.com")
    expect(remote.get_by_test_id("webhook-offline-blocked")).to_be_visible()
    page.get_by_test_id("webhook-url").fill("http://127.0.0.1:9/hooks")  # local: allowed, though nobody listens
    page.get_by_test_id("webhook-add").click()
    local = page.get_by_test_id("webhook-row").filter(has_text="127.0.0.1:9")
    expect(local).to_have_count(1)
    expect(local.get_by_test_id("webhook-offline-blocked")).to_have_count(0)

    remote.get_by_test_id("webhook-test").click()
    refused = page.get_by_test_id("webhook-delivery").filter(has_text="hooks.example.com/hearth")
    expect(refused).to_have_count(1)
    expect(refused).to_have_attribute("data-status", "pending")
    expect(refused).to_contain_text("offline-only")
    expect(refused).to_contain_text("next in 5m")  # not "just now": the retry is five minutes away
    local.get_by_test_id("webhook-test").click()
    expect(page.get_by_test_id("webhook-delivery").filter(has_text="127.0.0.1:9/hooks")).to_have_count(1)
    # relTime reads future times forward and past ones backward
    shown = page.evaluate("""async () => {
        const { relTime } = await import('/ui/console/dom.js');
        const at = (s) => new Date(Date.now() + s * 1000).toISOString();
        return [at(30), at(4 * 60), at(3 * 3600), at(2 * 86400), at(2), at(-120), at(-3 * 3600)].map(relTime);
    }""")
    assert shown == ["in under a minute", "in 4m", "in 3h", "in 2d", "just now", "2m ago", "3h ago"]
    assert page.context.errors == []

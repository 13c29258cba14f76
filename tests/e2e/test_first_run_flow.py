"""In a real browser on a fresh installation: the first-run wizard creates the company and its admin,
imports help articles, finds the local model server, explains privacy and ends in the inbox; then
the admin pulls a model with a live progress bar, chooses it, tests it, and finds the LAN address.
The model server is Hearth's Ollama test double (an Ollama-protocol server on loopback)."""
import json

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import open_admin_page
from tests.live import LiveServer
from tests.llm.fake_ollama import FakeOllama

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def model_server():
    with FakeOllama(models=("llama3.2:3b",), answer="We help with orders, returns and repairs.") as fake:
        fake.pullable = {"qwen2.5:3b": 1_900_000_000}
        fake.pull_delay = 0.1  # slow enough for the bar to move
        yield fake


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory, model_server):
    data = tmp_path_factory.mktemp("e2e-first-run") / "data"
    data.mkdir()
    models = tmp_path_factory.getbasetemp() / "e2e-models"
    (data / "settings.json").write_text(json.dumps({"ollama_host": model_server.url, "models_dir": str(models)}))
    live = LiveServer(data).start(timeout=60)
    yield live
    live.stop()


def test_wizard_then_model_manager_and_lan_card(fresh_server, model_server, context_factory, tmp_path):
    context = context_factory()
    page = context.new_page()
    page.goto(f"{fresh_server.url}/console")
    expect(page.get_by_test_id("setup-wizard")).to_be_visible()
    expect(page.get_by_test_id("login-email")).to_be_hidden()

    page.get_by_test_id("setup-company-name").fill("Corner Bikes")
    expect(page.get_by_test_id("setup-slug")).to_have_value("corner-bikes")
    page.get_by_test_id("setup-admin-name").fill("Olive Owner")
    page.get_by_test_id("setup-admin-email").fill("owner@corner.test")
    page.get_by_test_id("setup-admin-password").fill("short")
    page.get_by_test_id("setup-submit").click()
    expect(page.get_by_test_id("setup-error")).to_contain_text("at least 10 characters")
    page.get_by_test_id("setup-admin-password").fill(PASSWORD)
    page.get_by_test_id("setup-submit").click()
    expect(page.get_by_role("heading", name="Your help articles")).to_be_visible()

    (tmp_path / "returns.md").write_text("# Refunds and returns\n\nYou can return any bike within 30 days.\n")
    page.get_by_test_id("setup-import-files").set_input_files([str(tmp_path / "returns.md")])
    expect(page.get_by_test_id("setup-import-status")).to_contain_text("imported 1 articles", timeout=30_000)
    page.get_by_test_id("setup-kb-next").click()

    expect(page.get_by_test_id("setup-ollama-status")).to_contain_text("running on this computer with 1 model")
    expect(page.get_by_test_id("setup-models")).to_contain_text("llama3.2:3b")
    page.get_by_test_id("setup-model-next").click()

    expect(page.get_by_test_id("setup-cloud-explained")).to_contain_text("Offline-only mode is on")
    page.get_by_test_id("setup-finish").click()
    expect(page.get_by_test_id("ticket-list")).to_be_visible()
    expect(page.get_by_test_id("ticket-list")).to_have_text(  # not "No tickets match these filters."
        "No conversations yet. When a customer writes in the chat, it appears here at once.")
    expect(page.get_by_test_id("setup-wizard")).to_be_hidden()
    expect(page.locator("#company-name")).to_have_text("Corner Bikes")

    # The wizard is gone for good: a second browser gets the login.
    other = context_factory().new_page()
    other.goto(f"{fresh_server.url}/console")
    expect(other.get_by_test_id("login-email")).to_be_visible()
    expect(other.get_by_test_id("setup-wizard")).to_be_hidden()

    page.get_by_test_id("nav-kb").click()
    expect(page.locator("#kb-list")).to_contain_text("Refunds and returns")

    # Settings → AI models: pull with a live bar, choose, test.
    open_admin_page(page, "settings")
    manager = page.get_by_test_id("model-manager")
    expect(page.get_by_test_id("models-host")).to_contain_text("llama3.2:3b")
    manager.locator('[data-model="qwen2.5:3b"]').get_by_test_id("model-pull").click()
    bar = page.get_by_test_id("model-pull-progress")
    page.wait_for_function("() => { const b = document.querySelector('#models-pull-progress');"
                           " return b.value > 0 && b.value < b.max; }", timeout=20_000)  # seen mid-way
    expect(page.get_by_test_id("model-pull-status")).to_contain_text("qwen2.5:3b is ready", timeout=20_000)
    expect(bar).to_have_attribute("value", "1")
    row = page.get_by_test_id("model-row").filter(has_text="qwen2.5:3b")
    row.get_by_test_id("model-use").click()
    expect(row).to_have_attribute("data-active", "true")
    expect(page.get_by_test_id("models-host")).to_contain_text("answering customers: qwen2.5:3b")

    page.get_by_test_id("model-test-question").fill("What do you help with?")
    page.get_by_test_id("model-test").click()
    expect(page.get_by_test_id("model-test-answer")).to_have_text("We help with orders, returns and repairs.")
    expect(page.get_by_test_id("model-test-result")).to_contain_text("qwen2.5:3b answered in")
    assert model_server.chat_requests()[-1]["model"] == "qwen2.5:3b"

    # Settings → Local network: turning it on asks for a restart and shows the LAN address.
    page.get_by_test_id("lan-enabled").check()
    page.get_by_test_id("lan-save").click()
    expect(page.get_by_test_id("lan-restart-notice")).to_contain_text(
        "Saved, not active yet. Restart Hearth to start serving the local network")
    expect(page.get_by_test_id("lan-state")).to_have_text("Now: only this computer can reach Hearth.")
    expect(page.get_by_test_id("lan-share-pending")).to_be_visible()
    url = page.get_by_test_id("lan-widget-url").text_content()
    assert url.startswith("http://") and url.endswith(f":{fresh_server.port}/chat/corner-bikes")
    base = url.removesuffix("/chat/corner-bikes")
    expect(page.get_by_test_id("lan-embed-snippet")).to_contain_text(f'<script src="{base}/widget.js" data-company="corner-bikes"')
    expect(page.get_by_test_id("lan-qr")).to_have_js_property("naturalWidth", 222)
    assert context.errors == []

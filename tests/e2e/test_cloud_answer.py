"""In a real browser: with the cloud fallback on, the customer's email and order number leave as
placeholders; the cloud answers with them; the customer's chat shows the real values as the answer
streams in, and the agent sees exactly what was sent and what was put back. The local model fails
(Hearth's Ollama test double answering HTTP 500); the cloud is Hearth's OpenAI-compatible test double."""
import json

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, open_admin_page, open_ticket
from tests.live import LiveServer, cli, company_data_dir
from tests.llm.fake_ollama import FakeOllama, Mode
from tests.llm.fake_openai import FakeOpenAI

pytestmark = pytest.mark.browser

CLOUD_KEY = "sk-e2e-cloud-key-4321"


@pytest.fixture(scope="module")
def models():
    with FakeOllama(models=("llama3.2:3b",)) as local, \
            FakeOpenAI(api_key=CLOUD_KEY, answer="Thanks! We will write to [EMAIL_1] about order #[ORDER_1] "
                                                 "within 5 business days.") as cloud:
        local.mode = Mode.HTTP_500
        cloud.token_delay = 0.05  # streams word by word
        yield local, cloud


@pytest.fixture(scope="module")
def cloud_server(tmp_path_factory, models):
    local, cloud = models
    data = company_data_dir(tmp_path_factory.mktemp("e2e-cloud") / "data", name="Corner Bikes", slug="corner",
                            settings={"ollama_host": local.url, "openai_base_url": cloud.base_url,
                                      "models_dir": str(tmp_path_factory.getbasetemp() / "e2e-models")})
    articles = tmp_path_factory.mktemp("e2e-cloud-kb")
    (articles / "returns.md").write_text("# Refunds and returns\n\nRefunds reach your card within 5 business days.\n")
    assert cli(data, "import-kb", "--company", "corner", str(articles)).returncode == 0
    live = LiveServer(data).start(timeout=60)
    yield live
    live.stop()


def test_the_customer_sees_the_real_values_and_the_agent_what_was_sent(cloud_server, models, context_factory):
    _, cloud = models
    agent = context_factory().new_page()
    login(agent, cloud_server.url, "owner@corner.test")
    open_admin_page(agent, "settings")
    agent.get_by_test_id("cloud-key-input").fill(CLOUD_KEY)
    agent.get_by_test_id("safety").get_by_role("button", name="Save key").click()
    expect(agent.get_by_test_id("cloud-key-hint")).to_have_text("Set (ends in 4321)")
    agent.get_by_test_id("offline-toggle").click()
    agent.get_by_test_id("confirm-ok").click()
    expect(agent.get_by_test_id("offline-state")).to_contain_text("Off")
    agent.get_by_test_id("setting-ai-cloud-fallback").check()
    agent.locator("#s-threshold").fill("0")
    agent.locator("#settings-form").get_by_role("button", name="Save settings").click()
    expect(agent.get_by_test_id("setting-ai-cloud-fallback")).to_be_checked()

    customer = context_factory(viewport={"width": 390, "height": 760}).new_page()
    customer.goto(f"{cloud_server.url}/chat/corner")
    customer.evaluate("""() => {  // everything the chat ever shows, token by token
        window.__shown = [];
        const list = document.querySelector('[data-testid=widget-messages]');
        new MutationObserver(() => window.__shown.push(list.textContent))
            .observe(list, {subtree: true, childList: true, characterData: true});
    }""")
    customer.get_by_test_id("widget-input").fill("When is my refund for order #55123 coming? Mail kari@example.com")
    customer.get_by_test_id("widget-send").click()
    answer = customer.get_by_test_id("widget-message").filter(has_text="within 5 business days")
    expect(answer).to_have_count(1, timeout=20_000)
    expect(answer).to_contain_text("We will write to kari@example.com about order #55123 within 5 business days.")
    expect(answer).to_have_attribute("data-author-role", "ai")
    shown = customer.evaluate("window.__shown")
    assert [t for t in shown if "write to kari@example.com" in t and "business days" not in t]  # shown mid-stream
    assert not any("[EMAIL" in text or "[ORDER" in text for text in shown)  # never a placeholder on screen

    [sent] = cloud.chat_requests()
    assert "kari@example.com" not in json.dumps(sent) and "55123" not in json.dumps(sent)

    agent.get_by_test_id("nav-inbox").click()
    open_ticket(agent, "refund")
    expect(agent.get_by_test_id("message").filter(has_text="We will write to kari@example.com")).to_have_count(1)
    disclosure = agent.get_by_test_id("cloud-sent")
    disclosure.locator("summary").click()
    expect(disclosure).to_contain_text("When is my refund for order #[ORDER_1] coming? Mail [EMAIL_1]")
    expect(agent.get_by_test_id("cloud-restored")).to_have_text(
        "Put back into the answer on this computer: 1 email, 1 order.")
    assert not customer.context.errors and not agent.context.errors

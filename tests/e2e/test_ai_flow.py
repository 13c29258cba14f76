"""In a real browser: an admin imports the knowledge base from the console; a customer's covered
question gets a streamed, cited answer; an uncovered one goes to a person, who sees the AI's draft.
The local model is Hearth's Ollama test double (an Ollama-protocol server on loopback)."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import corner_bikes, customer_says, desk_and_chat, open_ticket
from tests.live import LiveServer
from tests.llm.fake_ollama import FakeOllama

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def model_server():
    with FakeOllama(models=("llama3.2:3b",), answer="You can return any bike within 30 days, and the refund "
                    "reaches you within 5 business days [1].") as fake:
        fake.token_delay = 0.05  # slow enough to see it stream
        yield fake


@pytest.fixture(scope="module")
def ai_server(tmp_path_factory, model_server):
    models = tmp_path_factory.getbasetemp() / "e2e-models"
    data = corner_bikes(tmp_path_factory.mktemp("e2e-ai") / "data",
                        {"ollama_host": model_server.url, "models_dir": str(models)})
    live = LiveServer(data).start(timeout=60)
    yield live
    live.stop()


def test_import_answer_and_hand_over(ai_server, context_factory, tmp_path):
    agent, customer = desk_and_chat(ai_server, context_factory, viewport={"width": 390, "height": 760})
    agent.get_by_test_id("nav-kb").click()
    (tmp_path / "returns.md").write_text("# Refunds and returns\n\nYou can return any bike within 30 days. "
                                         "Refunds reach your card within 5 business days.\n")
    (tmp_path / "hours.md").write_text("# Opening hours\n\nWe are open Monday to Saturday, 9:00 to 18:00.\n")
    agent.get_by_test_id("kb-import-files").set_input_files([str(tmp_path / "returns.md"), str(tmp_path / "hours.md")])
    expect(agent.get_by_test_id("kb-import-status")).to_contain_text("imported 2 articles", timeout=30_000)
    expect(agent.locator("#kb-list")).to_contain_text("Refunds and returns")

    customer_says(customer, "How long does a refund take?")
    answer = customer.get_by_test_id("widget-message").filter(has_text="5 business days")
    expect(answer).to_have_count(1, timeout=20_000)
    expect(answer).to_have_attribute("data-author-role", "ai")
    expect(answer.get_by_test_id("widget-sources")).to_have_text("Sources: [1] Refunds and returns")  # the cited source

    customer_says(customer, "Which pizza place near you would you recommend tonight?")
    expect(customer.get_by_test_id("widget-messages")).to_contain_text("a person will answer", timeout=20_000)

    agent.get_by_test_id("nav-inbox").click()
    open_ticket(agent, "refund")
    draft = agent.get_by_test_id("message").filter(has_text="AI draft")
    expect(draft).to_have_attribute("data-private", "true", timeout=10_000)
    expect(draft.get_by_test_id("ai-unsent")).to_have_text("AI draft — not sent to the customer.")
    expect(draft.get_by_test_id("ai-unsent")).to_have_attribute("data-unsent", "draft")
    expect(agent.get_by_test_id("ai-unsent")).to_have_count(1)  # the sent answer carries no such label
    agent.get_by_test_id("suggest-reply").click()  # the model's text cites [1]; a person's reply lists no sources
    expect(agent.get_by_test_id("suggest-sources")).to_have_text(re.compile(r"^Sources: \[1\] .+ · \[2\] .+$"))
    expect(agent.get_by_test_id("reply-box")).to_have_value("You can return any bike within 30 days, and the refund "
                                                           "reaches you within 5 business days.")
    assert not customer.context.errors and not agent.context.errors

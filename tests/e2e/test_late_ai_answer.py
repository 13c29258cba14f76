"""In a real browser: the model is still writing its answer when an agent replies to the customer. The
rest of the answer never reaches the customer; the console shows the finished answer to the agents
labelled as not sent, while an ordinary internal note carries no such label. The local model is
Hearth's Ollama test double, held mid-answer until the agent has replied."""
import threading

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import api_login, corner_bikes, customer_says, open_ticket
from tests.live import LiveServer
from tests.llm.fake_ollama import FakeOllama

pytestmark = pytest.mark.browser

ANSWER = "You can return any bike within 30 days, and the refund reaches you within 5 business days [1]."


@pytest.fixture(scope="module")
def model_server():
    with FakeOllama(models=("llama3.2:3b",), answer=ANSWER) as fake:
        yield fake


@pytest.fixture(scope="module")
def late_server(tmp_path_factory, model_server):
    models = tmp_path_factory.getbasetemp() / "e2e-models"
    # the model waits for the test, not for a clock: give it as long as a slow machine needs
    data = corner_bikes(tmp_path_factory.mktemp("e2e-late") / "data",
                        {"ollama_host": model_server.url, "models_dir": str(models), "llm_timeout": 120})
    live = LiveServer(data).start(timeout=60)
    yield live
    live.stop()


def test_an_answer_finished_after_an_agent_replied_is_labelled_not_sent(late_server, model_server, context_factory):
    agent = context_factory().new_page()
    csrf = api_login(agent.request, late_server.url, "owner@corner.test")
    made = agent.request.post(f"{late_server.url}/api/v1/articles", headers=csrf, data={
        "title": "Refunds and returns", "published": True, "tags": [],
        "body": "You can return any bike within 30 days. Refunds reach your card within 5 business days."})
    assert made.ok, made.text()
    agent.goto(f"{late_server.url}/console")  # the API login's cookie: already signed in
    agent.get_by_test_id("ticket-list").wait_for()

    model_server.hold, model_server.hold_after = threading.Event(), 12
    try:
        customer = context_factory(viewport={"width": 390, "height": 760}).new_page()
        customer.goto(f"{late_server.url}/chat/corner")
        customer_says(customer, "How long does a refund take?")
        writing = customer.locator("[data-testid=widget-message][data-state=streaming]")
        expect(writing).to_contain_text("You can return", timeout=20_000)  # the model is half-way through

        open_ticket(agent, "refund")
        agent.get_by_test_id("reply-box").fill("Hello! Refunds take up to 5 business days.")
        agent.get_by_test_id("reply-send").click()
        expect(customer.get_by_test_id("widget-message").filter(has_text="Hello! Refunds")).to_have_count(
            1, timeout=10_000)
    finally:
        model_server.hold.set()  # the model finishes its answer after the person's reply

    late = agent.get_by_test_id("message").filter(has_text="within 30 days")
    expect(late).to_have_count(1, timeout=20_000)
    expect(late).to_have_attribute("data-author-role", "ai")
    expect(late).to_have_attribute("data-private", "true")
    label = late.get_by_test_id("ai-unsent")
    expect(label).to_be_visible()
    expect(label).to_have_text("Not sent — a person answered first, so the customer did not get this answer.")
    expect(late.get_by_text("Late AI answer", exact=True)).to_be_visible()  # the badge
    expect(late.get_by_test_id("ai-draft")).to_have_text(ANSWER)

    # the customer's half-written bubble went when the person answered; the rest never reached them
    expect(customer.locator("[data-testid=widget-message][data-stream-id]")).to_have_count(0)
    expect(customer.get_by_test_id("widget-messages")).not_to_contain_text("within 30 days")

    # an agent's ordinary internal note has no such label
    agent.get_by_test_id("reply-private").check()
    agent.get_by_test_id("reply-box").fill("Customer asked about refunds")
    agent.get_by_test_id("reply-send").click()
    note = agent.get_by_test_id("message").filter(has_text="Customer asked about refunds")
    expect(note).to_have_attribute("data-private", "true", timeout=10_000)
    expect(note.get_by_test_id("ai-unsent")).to_have_count(0)
    expect(note).not_to_contain_text("Not sent")

    # the label is part of the stored conversation, not only of the live update
    agent.reload()
    open_ticket(agent, "refund")
    expect(agent.get_by_test_id("message").filter(has_text="within 30 days").get_by_test_id("ai-unsent")).to_have_text(
        "Not sent — a person answered first, so the customer did not get this answer.", timeout=10_000)

    # the customer got the person's reply, never the AI's answer
    customer.reload()
    expect(customer.get_by_test_id("widget-message").filter(has_text="Hello! Refunds")).to_have_count(1)
    expect(customer.get_by_test_id("widget-messages")).not_to_contain_text("within 30 days")
    assert not customer.context.errors and not agent.context.errors

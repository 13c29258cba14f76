"""In a real browser: a customer closes an AI-answered chat as solved and rates it; the manager
opens Reports, sees the rating counted, a chart drawn, and downloads a table as CSV."""
import csv
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, api_login, corner_bikes, login, open_admin_page
from tests.live import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def desk(tmp_path_factory, browser):
    # no model server: the AI answers from the help articles by quoting them (extractive answers); the
    # hashing embedder scores lower than the real one, so the confidence threshold is lowered to match
    data = corner_bikes(tmp_path_factory.mktemp("e2e-reports") / "data",
                        {"embedder": "hashing", "ollama_host": "http://127.0.0.1:9"})
    live = LiveServer(data).start(timeout=60)
    context = browser.new_context()
    csrf = api_login(context.request, live.url, "owner@corner.test")
    for title, body in (("Opening hours", "The shop is open Monday to Saturday from 9:00 to 18:00."),
                        ("Refunds and returns", "You can return any bike within 30 days.")):
        assert context.request.post(f"{live.url}/api/v1/articles", headers=csrf,
                                    data={"title": title, "body": body, "tags": [], "published": True}).ok
    assert context.request.patch(f"{live.url}/api/v1/company", headers=csrf,
                                 data={"settings": {"ai_confidence_threshold": 0.2}}).ok
    context.close()
    yield live
    live.stop()


CANVAS_DRAWN = """(canvas) => {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
  return painted;
}"""


def test_rating_then_reports_chart_and_csv(desk, context_factory, tmp_path):
    customer = context_factory(timezone_id="UTC").new_page()
    customer.goto(f"{desk.url}/chat/corner")
    customer.get_by_test_id("widget-input").fill("Hello!")
    customer.get_by_test_id("widget-send").click()
    answers = customer.locator('[data-testid="widget-message"][data-author-role="ai"]')
    expect(answers).to_have_count(1, timeout=20_000)
    expect(customer.get_by_test_id("widget-ai-solved-bar")).to_be_hidden()  # a greeting answers no question
    customer.get_by_test_id("widget-input").fill("What are your opening hours?")
    customer.get_by_test_id("widget-send").click()
    expect(answers).to_have_count(2, timeout=20_000)
    expect(answers.nth(1)).to_contain_text("Sources: Opening hours")
    customer.get_by_test_id("widget-ai-solved").click()
    rating = customer.get_by_test_id("widget-rating")
    expect(rating).to_be_visible()
    customer.get_by_test_id("widget-rating-submit").click()
    expect(customer.get_by_test_id("widget-rating-error")).to_contain_text("Choose a score")
    customer.locator('label[for="hw-score-4"]').click()
    customer.get_by_test_id("widget-rating-comment").fill("Friendly and quick")
    ARTIFACTS.mkdir(exist_ok=True)
    customer.screenshot(path=str(ARTIFACTS / "widget-rating.png"))
    customer.get_by_test_id("widget-rating-submit").click()
    expect(customer.get_by_test_id("widget-rating-thanks")).to_be_visible()
    expect(rating).to_be_hidden()
    customer.reload()  # asked once only
    expect(customer.get_by_test_id("widget-status")).to_have_attribute("data-state", "connected")
    expect(customer.get_by_test_id("widget-rating")).to_be_hidden()

    manager = context_factory(timezone_id="UTC", accept_downloads=True, viewport={"width": 1280, "height": 2200}).new_page()
    login(manager, desk.url, "owner@corner.test")
    manager.get_by_test_id("ticket-row").first.click()
    expect(manager.get_by_test_id("ticket-csat")).to_contain_text("Customer rating: 4/5")
    expect(manager.get_by_test_id("ticket-csat")).to_contain_text("Resolved by the AI")

    open_admin_page(manager, "reports")
    expect(manager.get_by_test_id("figure-csat")).to_contain_text("4 / 5")
    expect(manager.get_by_test_id("figure-deflection")).to_contain_text("100%")
    chart = manager.get_by_test_id("chart-tickets_per_day")
    expect(chart).to_be_visible()
    assert chart.evaluate(CANVAS_DRAWN) > 100
    assert manager.get_by_test_id("chart-csat").evaluate(CANVAS_DRAWN) > 100
    table = manager.get_by_test_id("report-table-csat")
    expect(table.locator("tbody tr").nth(3)).to_contain_text("1")  # score 4: one rating

    with manager.expect_download() as info:
        manager.get_by_test_id("csv-tickets_per_day").click()
    download = info.value
    assert download.suggested_filename.startswith("hearth-corner-tickets_per_day-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    rows = list(csv.reader(path.open()))
    today = datetime.now(timezone.utc).date().isoformat()
    assert rows[0] == ["date", "tickets", "resolved", "resolved_by_ai"]
    assert [today, "1", "1", "1"] in rows

    ARTIFACTS.mkdir(exist_ok=True)
    manager.screenshot(path=str(ARTIFACTS / "reports-first-theme.png"))
    manager.get_by_test_id("theme-toggle").click()  # the other theme redraws the charts
    assert manager.get_by_test_id("chart-tickets_per_day").evaluate(CANVAS_DRAWN) > 100
    manager.screenshot(path=str(ARTIFACTS / "reports-second-theme.png"))
    assert manager.context.errors == [] and customer.context.errors == []

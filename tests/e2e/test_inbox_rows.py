"""The console's inbox keeps one row per ticket and changes only what a live update touches: in a
real browser, a follow-up moves its ticket's row to the top while the other rows stay the same
nodes (keeping focus), and a press on a row still opens it when a new ticket arrives mid-press."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import customer_says, desk_and_chat, inbox_row, turn_ai_off

pytestmark = pytest.mark.browser

# Records what is added to or removed from the list itself (rows moved, inserted or dropped).
WATCH_LIST = """() => {
  window.listChanges = [];
  new MutationObserver((records) => {
    for (const r of records) {
      for (const n of r.addedNodes) window.listChanges.push(['added', n.dataset.ticketId]);
      for (const n of r.removedNodes) window.listChanges.push(['removed', n.dataset.ticketId]);
    }
  }).observe(document.querySelector('[data-testid="ticket-list"]'), { childList: true });
}"""


def two_conversations(server, context_factory, first: str, second: str):
    """An agent (the AI off) whose inbox lists two customers' conversations, opened with ``first``
    and then ``second``: (agent page, first customer page, first row, second row)."""
    agent, first_customer = desk_and_chat(server, context_factory)
    turn_ai_off(agent.context.request, server.url)
    customer_says(first_customer, first)
    second_customer = context_factory().new_page()
    second_customer.goto(f"{server.url}/chat/corner")
    customer_says(second_customer, second)
    rows = inbox_row(agent, first), inbox_row(agent, second)
    for row in rows:
        expect(row).to_have_count(1, timeout=10_000)
    return agent, first_customer, *rows


def test_a_follow_up_moves_its_row_and_leaves_the_others_alone(server, context_factory):
    agent, first_customer, older, newer = two_conversations(server, context_factory, "My bottle cage rattles",
                                                            "Do you sell kickstands")
    agent.reload()  # a settled list, read from the server
    expect(agent.get_by_test_id("ticket-row")).to_have_count(2)
    expect(agent.get_by_test_id("ticket-row").first).to_contain_text("kickstands")
    older_id = older.get_attribute("data-ticket-id")
    newer_id = newer.get_attribute("data-ticket-id")

    # the agent reaches the newer ticket's row with the keyboard
    older.locator("a").focus()
    agent.keyboard.press("Shift+Tab")
    expect(newer.locator("a")).to_be_focused()
    agent.evaluate("""() => {
      for (const li of document.querySelectorAll('[data-testid="ticket-row"]')) li.marked = li.dataset.ticketId;
      window.blurs = 0;
      document.activeElement.addEventListener('blur', () => { window.blurs += 1; });
    }""")
    agent.evaluate(WATCH_LIST)

    customer_says(first_customer, "It got louder on the gravel")
    expect(agent.get_by_test_id("ticket-row").first).to_contain_text("louder on the gravel")
    expect(agent.get_by_test_id("ticket-row").nth(1)).to_contain_text("kickstands")
    expect(newer.locator("a")).to_be_focused()
    assert agent.evaluate("window.blurs") == 0
    # both rows are the nodes they were; only the row that moved left its place
    marks = agent.evaluate("""() => [...document.querySelectorAll('[data-testid="ticket-row"]')]
      .map((li) => [li.dataset.ticketId, li.marked])""")
    assert marks == [[older_id, older_id], [newer_id, newer_id]]
    assert agent.evaluate("window.listChanges") == [["removed", older_id], ["added", older_id]]
    assert agent.context.errors == []


def test_a_row_pressed_while_a_new_ticket_arrives_still_opens(server, context_factory):
    """A new ticket would go in above the pressed row and shift it from under the pointer: the rows
    keep their places until the press ends, then the new one is listed."""
    agent, first_customer = desk_and_chat(server, context_factory)
    customer_says(first_customer, "My spokes are loose")
    pressed = inbox_row(agent, "spokes are loose")
    expect(pressed).to_have_count(1, timeout=10_000)
    expect(agent.get_by_test_id("ticket-row").first).to_contain_text("spokes are loose")
    count = agent.get_by_test_id("ticket-row").count()

    pressed.hover()
    agent.mouse.down()
    second_customer = context_factory().new_page()
    second_customer.goto(f"{server.url}/chat/corner")
    customer_says(second_customer, "Where is my order of bar tape")
    # the console has the new ticket (the count says so) but has not put it above the pressed row
    expect(agent.locator("#list-meta")).to_have_text(f"{count + 1} tickets", timeout=10_000)
    expect(agent.get_by_test_id("ticket-row")).to_have_count(count)
    agent.mouse.up()
    expect(agent.get_by_test_id("message").filter(has_text="spokes are loose")).to_have_count(1, timeout=10_000)
    expect(agent.get_by_test_id("ticket-row").first).to_contain_text("bar tape")
    expect(pressed.locator("a")).to_have_attribute("aria-current", "true")
    assert agent.context.errors == [] and first_customer.context.errors == []


def test_a_search_nothing_matches_says_so_and_clearing_it_lists_the_rows_again(server, context_factory):
    agent, customer = desk_and_chat(server, context_factory)
    customer_says(customer, "My derailleur hanger is bent")
    expect(inbox_row(agent, "hanger is bent")).to_have_count(1, timeout=10_000)
    rows = agent.get_by_test_id("ticket-list").locator("li")
    agent.locator("#f-q").fill("unicycle")
    expect(rows).to_have_count(1)
    expect(rows).to_have_text("No tickets match these filters.")
    expect(agent.get_by_test_id("ticket-row")).to_have_count(0)
    agent.locator("#f-q").fill("derailleur")
    expect(rows).to_have_count(1)
    expect(agent.get_by_test_id("ticket-row")).to_contain_text("hanger is bent")
    assert agent.context.errors == [] and customer.context.errors == []


def test_a_row_pressed_on_its_status_badge_while_the_status_changes_still_opens(server, context_factory):
    """A status change swaps the row's status badge for one of another kind: the pressed row is left
    as it is until the press ends (the badge under the pointer stays, so the click opens the ticket),
    while the other rows take their changes at once."""
    agent, customer, pressed, other = two_conversations(server, context_factory, "My chain skips on the big cog",
                                                        "Do you true wheels")
    expect(pressed.locator(".badge-status-open")).to_have_count(1)
    request = agent.context.request
    csrf = request.get(f"{server.url}/api/v1/auth/me").json()["csrf_token"]

    def set_pending(row):
        response = request.patch(f"{server.url}/api/v1/tickets/{row.get_attribute('data-ticket-id')}",
                                 data={"status": "pending"}, headers={"X-CSRF-Token": csrf})
        assert response.ok, response.text()

    pressed.locator(".badge-status-open").hover()
    agent.mouse.down()
    set_pending(pressed)
    set_pending(other)  # pushed after the pressed ticket's change: once it shows, that one has arrived
    expect(other.locator(".badge-status-pending")).to_have_count(1, timeout=10_000)
    expect(pressed.locator(".badge-status-open")).to_have_count(1)  # held while pressed
    agent.mouse.up()
    expect(agent.get_by_test_id("message").filter(has_text="chain skips")).to_have_count(1, timeout=10_000)
    expect(pressed.locator(".badge-status-pending")).to_have_count(1)
    assert agent.context.errors == [] and customer.context.errors == []

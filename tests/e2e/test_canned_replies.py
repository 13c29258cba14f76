"""In a real browser: an admin adds a shared canned reply on its page; an agent types "/" in the
reply box, picks it with the keyboard, and the reply rendered with the customer's name is sent."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import customer_says, desk_and_chat, login, open_ticket, turn_ai_off

pytestmark = pytest.mark.browser


def test_slash_picker_inserts_the_rendered_canned_reply(server, context_factory):
    admin = context_factory().new_page()
    login(admin, server.url, "owner@corner.test")
    turn_ai_off(admin.request, server.url)

    # the management page: a shared reply with placeholders, and a clear error for an unknown one
    admin.get_by_test_id("nav-canned").click()
    admin.get_by_test_id("canned-title").fill("Wheel repair")
    admin.get_by_test_id("canned-shortcut").fill("wheel")
    admin.get_by_test_id("canned-body").fill("Hi {{customer.name}}, bring it in: {{customer.age}}")
    admin.get_by_test_id("canned-shared-toggle").check()
    admin.get_by_test_id("canned-save").click()
    expect(admin.get_by_test_id("canned-form").locator('[data-error-for="body"]')).to_contain_text("{{customer.age}}")
    admin.get_by_test_id("canned-body").fill("Hi {{customer.name}}, bring the wheel in and we fix it today. {{agent.name}}")
    admin.get_by_test_id("canned-save").click()
    expect(admin.get_by_test_id("canned-shared").get_by_test_id("canned-row")).to_contain_text("/wheel")
    admin.get_by_test_id("canned-title").fill("Thanks")
    admin.get_by_test_id("canned-shortcut").fill("thanks")
    admin.get_by_test_id("canned-body").fill("Thanks for writing!")
    admin.get_by_test_id("canned-save").click()
    expect(admin.get_by_test_id("canned-mine").get_by_test_id("canned-row")).to_contain_text("/thanks")

    # a customer writes and tells us their name (the widget's identify event)
    customer = context_factory().new_page()
    customer.goto(f"{server.url}/chat/corner")
    customer.get_by_test_id("widget-input").fill("My front wheel is bent")
    customer.get_by_test_id("widget-send").click()
    expect(customer.get_by_test_id("widget-message").filter(has_text="wheel is bent")).to_have_count(1)
    acked = customer.evaluate("""() => new Promise((resolve, reject) => {
        const s = io('/widget', {auth: {company: 'corner', token: localStorage.getItem('hearth:visitor:corner')}});
        s.on('session', () => s.emit('identify', {name: 'Maria López'}, (ack) => { s.close(); resolve(ack); }));
        setTimeout(() => reject(new Error('no session')), 10000);
    })""")
    assert acked == {"ok": True}

    # the agent answers with "/" in the reply box
    admin.get_by_test_id("nav-inbox").click()
    open_ticket(admin, "wheel is bent")
    box = admin.get_by_test_id("reply-box")
    picker = admin.get_by_test_id("canned-picker")
    box.click()
    box.press_sequentially("/")
    expect(picker).to_be_visible()
    expect(picker.get_by_role("option")).to_have_count(2)
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press_sequentially("wh")
    expect(picker.get_by_role("option")).to_have_count(1)
    option = picker.get_by_role("option").first
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    box.press("Escape")  # closes the picker, keeps the text
    expect(picker).to_be_hidden()
    expect(box).to_have_value("/wh")
    box.press("Backspace")
    box.press("Backspace")
    expect(picker).to_be_visible()
    box.press("ArrowDown")
    box.press("ArrowUp")
    selected = picker.locator('[aria-selected="true"]')
    expect(selected).to_have_attribute("data-shortcut", "thanks")  # sorted by shortcut; Up wraps back
    box.press("ArrowDown")
    expect(selected).to_have_attribute("data-shortcut", "wheel")
    box.press("Enter")
    expected = "Hi Maria López, bring the wheel in and we fix it today. Olive Owner"
    expect(box).to_have_value(expected)
    expect(picker).to_be_hidden()
    box.press("Enter")  # the picker is closed: Enter sends

    expect(admin.get_by_test_id("message").filter(has_text=expected)).to_have_count(1)
    expect(customer.get_by_test_id("widget-message").filter(has_text=expected)).to_have_count(1)
    for page in (admin, customer):
        assert page.context.errors == []


def test_enter_on_a_shortcut_that_matches_nothing_does_not_send_it(server, context_factory):
    agent, customer = desk_and_chat(server, context_factory)
    turn_ai_off(agent.request, server.url)
    csrf = {"X-CSRF-Token": agent.request.get(f"{server.url}/api/v1/auth/me").json()["csrf_token"]}
    made = agent.request.post(f"{server.url}/api/v1/canned-replies", headers=csrf,
                              data={"title": "Goodbye", "shortcut": "bye", "body": "Have a good ride!"})
    assert made.ok, made.text()
    customer_says(customer, "Do you sell bells")
    open_ticket(agent, "sell bells")
    box = agent.get_by_test_id("reply-box")
    picker = agent.get_by_test_id("canned-picker")
    box.click()
    box.press_sequentially("/hel")
    expect(picker.get_by_test_id("canned-empty")).to_contain_text("No canned reply matches /hel")
    box.press("Enter")  # a mistyped shortcut: nothing is sent, the text and the list stay
    agent.wait_for_timeout(1000)
    expect(box).to_have_value("/hel")
    expect(picker).to_be_visible()
    expect(agent.get_by_test_id("message").filter(has_text="/hel")).to_have_count(0)
    box.press("Escape")  # closes the list, keeps the text
    expect(picker).to_be_hidden()
    expect(box).to_have_value("/hel")
    box.press("Enter")  # the picker is closed: Enter sends what is written
    expect(agent.get_by_test_id("message").filter(has_text="/hel")).to_have_count(1)
    expect(customer.get_by_test_id("widget-message").filter(has_text="/hel")).to_have_count(1)
    assert agent.context.errors == [] and customer.context.errors == []

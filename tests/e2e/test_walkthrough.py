"""The whole walk-through on a fresh installation, in real browsers against a real Hearth process:
the console opens on the first-run wizard, which creates the company and its admin and imports the
help articles; the admin turns LAN serving on and restarts Hearth; a phone scans the QR code shown
in the console, opens the chat, gets an answer from the imported articles, asks for a person; the
agent sees the ticket arrive live, answers, and the phone shows the answer.

This machine has no Ollama (the model host is a closed port on loopback), so the AI answers by
quoting the best article, as on a clean desktop. Tests never serve beyond loopback: the `lan_host`
setting is 127.0.0.1, so with LAN serving on the console says that only this computer can reach
Hearth and which setting to change, and its chat address and QR code are this computer's (the
"phone" is an emulated one on this machine). tests/setup/test_lan_live.py covers a real LAN address."""
import json

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, customer_says, open_admin_page, open_ticket
from tests.live import LiveServer, free_port

pytestmark = pytest.mark.browser

LOOPBACK_ONLY = ("Now: only this computer can reach Hearth. LAN serving is on, but the lan_host setting is 127.0.0.1, "
                 "a loopback address: to serve the local network, set lan_host to 0.0.0.0 (in settings.json in the data "
                 "folder, or in the HEARTH_LAN_HOST environment variable, which wins when set) and restart Hearth.")

@pytest.fixture
def fresh_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("e2e-walkthrough") / "data"
    data.mkdir()
    models = tmp_path_factory.getbasetemp() / "e2e-models"
    (data / "settings.json").write_text(json.dumps({
        "models_dir": str(models),
        "ollama_host": f"http://127.0.0.1:{free_port()}",  # nothing listens there: no Ollama on this PC
        "lan_host": "127.0.0.1",  # LAN serving on still listens on loopback only
    }))
    live = LiveServer(data).start(timeout=60)
    yield live
    live.stop()


def read_qr(page, selector: str) -> str:
    """Decode the QR code as the browser drew it: the <img>'s pixels, through a canvas, into zxing."""
    import zxingcpp

    pixels = page.evaluate("""(sel) => {
        const img = document.querySelector(sel);
        const canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
        const ctx = canvas.getContext('2d');
        ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height);
        ctx.drawImage(img, 0, 0);
        const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        const grey = new Array(canvas.width * canvas.height);
        for (let i = 0; i < grey.length; i++) grey[i] = rgba[i * 4];
        return {width: canvas.width, height: canvas.height, grey};
    }""", selector)
    image = np.array(pixels["grey"], dtype=np.uint8).reshape(pixels["height"], pixels["width"])
    found = zxingcpp.read_barcodes(image)
    assert [b.format for b in found] == [zxingcpp.BarcodeFormat.QRCode], "no QR code in the console's image"
    return found[0].text


def test_unpack_set_up_and_answer_a_phone_on_the_wifi(fresh_server, context_factory, devices, tmp_path):
    # 1. First start: the console opens on the wizard.
    console = context_factory().new_page()
    console.goto(f"{fresh_server.url}/console")
    expect(console.get_by_test_id("setup-wizard")).to_be_visible()
    console.get_by_test_id("setup-company-name").fill("Corner Bikes")
    console.get_by_test_id("setup-admin-name").fill("Olive Owner")
    console.get_by_test_id("setup-admin-email").fill("owner@corner.test")
    console.get_by_test_id("setup-admin-password").fill(PASSWORD)
    console.get_by_test_id("setup-submit").click()
    expect(console.get_by_role("heading", name="Your help articles")).to_be_visible()

    # 2. The wizard's offer to import the help articles.
    (tmp_path / "returns.md").write_text("# Refunds and returns\n\nYou can return any bike within 30 days. "
                                         "Refunds reach your card within 5 business days.\n")
    (tmp_path / "hours.md").write_text("# Opening hours\n\nWe are open Monday to Saturday, 9:00 to 18:00.\n")
    console.get_by_test_id("setup-import-files").set_input_files([str(tmp_path / "returns.md"),
                                                                  str(tmp_path / "hours.md")])
    expect(console.get_by_test_id("setup-import-status")).to_contain_text("imported 2 articles", timeout=30_000)
    console.get_by_test_id("setup-kb-next").click()
    expect(console.get_by_test_id("setup-ollama-status")).to_contain_text("not found")
    console.get_by_test_id("setup-model-next").click()
    expect(console.get_by_test_id("setup-lan-state")).to_have_text("Now: only this computer can reach Hearth.")
    expect(console.get_by_test_id("setup-lan-enabled")).not_to_be_checked()
    console.get_by_test_id("setup-lan-enabled").check()  # the wizard's switch says what it will do here
    expect(console.get_by_test_id("setup-lan-state")).to_have_text(LOOPBACK_ONLY)
    expect(console.get_by_test_id("setup-lan-restart")).to_be_hidden()  # a restart would not reach the network
    ARTIFACTS.mkdir(exist_ok=True)
    console.screenshot(path=str(ARTIFACTS / "walkthrough-wizard-privacy.png"), full_page=True)
    console.get_by_test_id("setup-lan-enabled").uncheck()  # ...and is turned on later, in Settings
    expect(console.get_by_test_id("setup-lan-restart")).to_be_hidden()
    expect(console.get_by_test_id("setup-lan-state")).to_have_text("Now: only this computer can reach Hearth.")
    console.get_by_test_id("setup-finish").click()
    expect(console.get_by_test_id("ticket-list")).to_be_visible()

    # 3. Settings → Local network: on; with lan_host on loopback the card says who can reach Hearth
    # and what to change, before and after a restart.
    open_admin_page(console, "settings")
    expect(console.get_by_test_id("lan-state")).to_have_text("Now: only this computer can reach Hearth.")
    console.get_by_test_id("lan-enabled").check()
    console.get_by_test_id("lan-save").click()
    chat_url = f"http://127.0.0.1:{fresh_server.port}/chat/corner-bikes"
    expect(console.get_by_test_id("lan-state")).to_have_text(LOOPBACK_ONLY)
    expect(console.get_by_test_id("lan-restart-notice")).to_be_hidden()
    expect(console.get_by_test_id("lan-share-pending")).to_be_hidden()
    fresh_server.stop()
    fresh_server.start(timeout=60)  # the open console reconnects by itself: no reload
    console.get_by_test_id("nav-inbox").click()
    open_admin_page(console, "settings")
    expect(console.get_by_test_id("lan-enabled")).to_be_checked()
    expect(console.get_by_test_id("lan-state")).to_have_text(LOOPBACK_ONLY)
    expect(console.get_by_test_id("lan-restart-notice")).to_be_hidden()
    expect(console.get_by_test_id("lan-share-pending")).to_be_hidden()
    expect(console.get_by_test_id("lan-widget-url")).to_have_text(chat_url)
    qr = console.get_by_test_id("lan-qr")
    expect(qr).to_have_js_property("complete", True)
    expect(qr).to_have_js_property("naturalWidth", 222)
    console.get_by_test_id("lan-card").screenshot(path=str(ARTIFACTS / "walkthrough-lan-card.png"))

    # 4. The phone scans the code and opens the chat.
    scanned = read_qr(console, "[data-testid=lan-qr]")
    assert scanned == chat_url
    phone = context_factory(**devices["Pixel 7"]).new_page()
    phone.goto(scanned)
    expect(phone.get_by_test_id("widget-status")).to_have_attribute("data-state", "connected", timeout=10_000)
    customer_says(phone, "How long does a refund take?", tap=True)
    answer = phone.get_by_test_id("widget-message").filter(has_text="5 business days")
    expect(answer).to_have_count(1, timeout=20_000)
    expect(answer).to_have_attribute("data-author-role", "ai")

    customer_says(phone, "I would like to talk to a person please", tap=True)
    expect(phone.get_by_test_id("widget-messages")).to_contain_text("asked a member of our team", timeout=20_000)

    # 5. The agent sees the ticket arrive without reloading, and answers.
    console.get_by_test_id("nav-inbox").click()
    open_ticket(console, "refund")
    expect(console.get_by_test_id("message").filter(has_text="talk to a person")).to_have_count(1)
    console.get_by_test_id("reply-box").fill("Hi! Olive here: bring the bike and the receipt, we refund it at once.")
    console.get_by_test_id("reply-send").click()

    # 6. The phone shows the agent's answer.
    reply = phone.get_by_test_id("widget-message").filter(has_text="we refund it at once")
    expect(reply).to_have_count(1, timeout=10_000)
    expect(reply).to_have_attribute("data-author-role", "agent")
    phone.screenshot(path=str(ARTIFACTS / "walkthrough-phone.png"))
    assert phone.context.errors == [] and console.context.errors == []

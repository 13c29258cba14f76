"""The cloud fallback: off until an owner admin turns offline-only off, stores a key and the
company enables it; what leaves is redacted, and the agents see exactly what was sent."""
from __future__ import annotations

import json
import logging
import stat

import pytest

from appliance import events
from appliance.domain.models import AuditEntry, Customer, Message
from tests.conftest import ApiClient, Tenant
from tests.llm.fake_ollama import Mode
from tests.llm.fake_openai import FakeOpenAI

CLOUD_KEY = "sk-live-Abc123SECRETxyz9876"


@pytest.fixture
def fake_cloud():
    with FakeOpenAI(answer="Cloud says: refunds take 5 days.", api_key=CLOUD_KEY) as fake:
        yield fake


@pytest.fixture
def cloud_app(make_ai_app, fake_cloud, fake_ollama):
    fake_ollama.mode = Mode.HTTP_500  # the local model fails, so the chain would go on to the cloud
    app = make_ai_app("hashing", openai_base_url=fake_cloud.base_url, openai_model="gpt-4o-mini")
    hearth = app.extensions["hearth"]
    shop = Tenant(hearth, "bikes", ai=True)  # the installation's first company: its admins own it
    other = Tenant(hearth, "other")
    hearth.articles.create(shop.company, shop.admin, title="Refunds and returns",
                           body="Refunds go back to the original payment method within 5 business days.")
    return app, hearth, shop, other


def _client(app, user):
    client = ApiClient(app.test_client())
    assert client.login(user.email).status_code == 200
    return client


def _ask(hearth, shop, text):
    customer, _ = hearth.customers.start_visit(shop.company)
    Customer.update(name="Kari Nordmann", email="kari@example.com").where(Customer.id == customer.id).execute()
    customer = Customer.get_by_id(customer.id)
    ticket, _, _ = hearth.tickets.post_customer_message(shop.company, customer, text=text, client_id=text[:20])
    return ticket, Message.select().where((Message.ticket == ticket) & (Message.author_role == "ai")).get()


QUESTION = ("Hi, I'm Kari Nordmann (kari@example.com, +47 912 34 567). How long does a refund take for "
            "order #55123? Card 4111 1111 1111 1111. The agent bikes agent said to ask.")


def test_the_cloud_stays_off_until_offline_only_is_off_a_key_is_stored_and_the_company_enables_it(
        cloud_app, fake_cloud, caplog):
    app, hearth, shop, other = cloud_app
    admin = _client(app, shop.admin)
    state = admin.get("/api/v1/installation").get_json()
    assert state["offline_only"] is True and state["cloud_key_set"] is False and state["can_manage"] is True
    assert admin.patch("/api/v1/company", json={"settings": {"ai_cloud_fallback": True,
                                                             "ai_confidence_threshold": 0.0}}).status_code == 200

    caplog.set_level(logging.DEBUG)
    stored = admin.put("/api/v1/installation/cloud-key", json={"api_key": CLOUD_KEY})
    assert stored.status_code == 200 and stored.get_json()["cloud_key_hint"] == "…9876"
    assert CLOUD_KEY not in stored.get_data(as_text=True)
    _, answer = _ask(hearth, shop, QUESTION)  # key and company opt-in, but offline-only is still on
    assert answer.metadata["provider"] == "extractive" and "cloud_sent" not in answer.metadata
    assert fake_cloud.requests == []

    turned = admin.patch("/api/v1/installation", json={"offline_only": False})
    assert turned.status_code == 200 and turned.get_json()["offline_only"] is False
    assert json.loads((hearth.settings.path / "installation.json").read_text()) == {"offline_only": False}
    ticket, answer = _ask(hearth, shop, QUESTION + " ")
    assert answer.metadata["provider"] == "openai" and answer.body.startswith("Cloud says")

    [sent] = fake_cloud.chat_requests()
    wire = json.dumps(sent["messages"], ensure_ascii=False)
    for secret in ("Kari", "Nordmann", "kari@example.com", "912 34 567", "55123", "4111", "bikes agent"):
        assert secret not in wire, secret
    user_turn = sent["messages"][-1]["content"]
    assert user_turn.startswith("Hi, I'm [NAME_1] ([EMAIL_1], [PHONE_1]). How long does a refund take for order "
                                "#[ORDER_1]? Card [CARD_1]. The agent [NAME_2] said to ask.")
    assert answer.metadata["cloud_sent"]["messages"] == sent["messages"]  # exactly what left the machine
    assert answer.metadata["cloud_sent"]["redacted"] == {"NAME": 2, "EMAIL": 1, "PHONE": 1, "ORDER": 1, "CARD": 1}
    shown = admin.get(f"/api/v1/tickets/{ticket.id}").get_json()
    ai_messages = [m for m in shown["messages"] if m["author_role"] == "ai"]
    assert ai_messages[-1]["metadata"]["cloud_sent"]["messages"] == sent["messages"]
    suggestion = admin.post(f"/api/v1/tickets/{ticket.id}/suggest").get_json()  # agent assist: redacted too
    assert suggestion["provider"] == "openai"
    assert "kari@example.com" not in json.dumps(fake_cloud.chat_requests()[-1]["messages"])
    assert suggestion["cloud_sent"]["messages"] == fake_cloud.chat_requests()[-1]["messages"]

    # The key: owner-only file, never shown again, never logged, never in the audit trail.
    mode = stat.S_IMODE(hearth.settings.cloud_key_path.stat().st_mode)
    assert mode == 0o600
    assert CLOUD_KEY not in admin.get("/api/v1/installation").get_data(as_text=True)
    assert CLOUD_KEY not in caplog.text
    assert all(CLOUD_KEY not in json.dumps(e.details) for e in AuditEntry.select())
    actions = [e.action for e in AuditEntry.select().where(AuditEntry.company == shop.company)]
    assert "installation.cloud_key_set" in actions and "installation.offline_only" in actions


def test_the_cloud_is_not_used_when_the_company_did_not_enable_it(cloud_app, fake_cloud):
    app, hearth, shop, other = cloud_app
    admin = _client(app, shop.admin)
    admin.put("/api/v1/installation/cloud-key", json={"api_key": CLOUD_KEY})
    admin.patch("/api/v1/installation", json={"offline_only": False})
    admin.patch("/api/v1/company", json={"settings": {"ai_confidence_threshold": 0.0}})
    _, answer = _ask(hearth, shop, "How long does a refund take?")
    assert answer.metadata["provider"] == "extractive" and fake_cloud.requests == []


def test_only_owner_admins_change_the_installation_and_bad_keys_are_refused(cloud_app):
    app, hearth, shop, other = cloud_app
    for user in (shop.agent, other.admin):
        client = _client(app, user)
        assert client.get("/api/v1/installation").get_json()["can_manage"] is False
        assert client.patch("/api/v1/installation", json={"offline_only": False}).status_code == 403
        assert client.put("/api/v1/installation/cloud-key", json={"api_key": CLOUD_KEY}).status_code == 403
        assert client.post("/api/v1/backups", json={"passphrase": "long enough pass"}).status_code == 403
    assert not hearth.settings.cloud_key_path.exists()
    assert hearth.installation.network.offline_only is True
    admin = _client(app, shop.admin)
    for bad in ({"api_key": "two words"}, {"api_key": ""}, {"api_key": "x" * 600}, {}):
        response = admin.put("/api/v1/installation/cloud-key", json=bad)
        assert response.status_code == 422 and "api_key" in response.get_json()["error"]["message"]
    assert admin.patch("/api/v1/installation", json={"offline_only": "no"}).status_code == 422
    assert not hearth.settings.cloud_key_path.exists()
    assert admin.delete("/api/v1/installation/cloud-key").get_json()["cloud_key_set"] is False


def test_the_recorded_choice_wins_over_the_setting_at_the_next_start(make_ai_app, tmp_path):
    from appliance.installation import load_policy, write_record
    from appliance.settings import Settings

    settings = Settings.load({"data_dir": str(tmp_path / "d")}, environ={})
    assert load_policy(settings).offline_only is True  # the default: on
    write_record(settings, offline_only=False)
    assert load_policy(settings).offline_only is False
    assert stat.S_IMODE((settings.path / "installation.json").stat().st_mode) == 0o600


def test_placeholders_in_the_clouds_answer_become_the_real_values_before_the_customer_sees_them(
        cloud_app, fake_cloud):
    app, hearth, shop, other = cloud_app
    admin = _client(app, shop.admin)
    admin.put("/api/v1/installation/cloud-key", json={"api_key": CLOUD_KEY})
    admin.patch("/api/v1/installation", json={"offline_only": False})
    admin.patch("/api/v1/company", json={"settings": {"ai_cloud_fallback": True, "ai_confidence_threshold": 0.0}})
    # Models write placeholders back in their own ways: as sent, spaced (streamed in two tokens), unnumbered.
    fake_cloud.answer = ("Hi [NAME_1], the refund for order #[ORDER_1] reaches your card in 5 days; "
                         "we confirm by mail to [EMAIL 1] or by phone on [PHONE]. [NAME_9] is unknown.")
    tokens = []
    hearth.bus.subscribe(events.AI_TOKEN, lambda _n, e: tokens.append(e["delta"]))

    ticket, answer = _ask(hearth, shop, QUESTION)

    expected = ("Hi Kari Nordmann, the refund for order #55123 reaches your card in 5 days; we confirm by mail "
                "to kari@example.com or by phone on +47 912 34 567. [NAME_9] is unknown.")
    assert answer.metadata["provider"] == "openai"
    assert answer.body == expected                   # the stored message
    assert "".join(tokens) == expected               # what streamed to the widget
    assert not any("[NAME_1" in t or "[EMAIL" in t or "[ORDER_1" in t for t in tokens)
    [sent] = fake_cloud.chat_requests()
    assert "kari@example.com" not in json.dumps(sent["messages"])
    assert answer.metadata["cloud_sent"]["messages"] == sent["messages"]   # the record keeps the redacted text
    assert answer.metadata["cloud_sent"]["restored"] == {"NAME": 1, "ORDER": 1, "EMAIL": 1, "PHONE": 1}
    shown = admin.get(f"/api/v1/tickets/{ticket.id}").get_json()["messages"]
    assert [m["body"] for m in shown if m["author_role"] == "ai"] == [expected]
    suggestion = admin.post(f"/api/v1/tickets/{ticket.id}/suggest").get_json()  # agent assist: the same way back
    assert suggestion["provider"] == "openai" and "kari@example.com" in suggestion["body"]
    assert "[EMAIL" not in suggestion["body"] and "kari@example.com" not in json.dumps(fake_cloud.chat_requests()[-1])

    # An answer carrying one customer's own data is never served from the cache to another.
    other_visitor, _ = hearth.customers.start_visit(shop.company)
    again, _, _ = hearth.tickets.post_customer_message(shop.company, other_visitor, text=QUESTION, client_id="again")
    second = Message.select().where((Message.ticket == again) & (Message.author_role == "ai")).get()
    assert second.metadata.get("cached") is False and len(fake_cloud.chat_requests()) == 3

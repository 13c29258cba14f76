"""Offline-only mode, the cloud fallback's conditions, and the knowledge-base commands."""
import json
import os
import sqlite3

import pytest

from appliance.domain.models import Message
from tests.conftest import Tenant
from tests.live import NO_MODELS, cli, company_data_dir
from tests.llm.fake_ollama import Mode
from tests.llm.fake_openai import FakeOpenAI


@pytest.fixture
def fake_cloud():
    with FakeOpenAI(answer="Cloud says: refunds take 5 days.") as fake:
        yield fake


def _cloud_app(make_ai_app, fake_cloud, *, offline_only: bool):
    app = make_ai_app(offline_only=offline_only, openai_base_url=fake_cloud.base_url, openai_model="gpt-4o-mini")
    hearth = app.extensions["hearth"]
    key = hearth.settings.cloud_key_path
    key.write_text(fake_cloud.api_key)
    os.chmod(key, 0o600)
    shop = Tenant(hearth, "bikes", ai=True)
    hearth.companies.update(shop.company, shop.admin, settings={"ai_cloud_fallback": True})
    hearth.articles.create(shop.company, shop.admin, title="Refunds and returns",
                           body="Refunds go back to the original payment method within 5 business days.")
    return app, hearth, shop


def _ask(app, text="How long does a refund take?"):
    client = app.extensions["socketio"].test_client(app, namespace="/widget", auth={"company": "bikes"})
    ack = client.emit("customer_message", {"text": text, "client_id": "x1"}, namespace="/widget", callback=True)
    assert ack["ok"], ack
    return Message.select().where(Message.author_role == "ai").order_by(Message.id.desc()).get()


def test_offline_only_never_calls_the_cloud_even_when_the_company_enabled_it(make_ai_app, fake_cloud, fake_ollama):
    fake_ollama.mode = Mode.HTTP_500
    app, hearth, shop = _cloud_app(make_ai_app, fake_cloud, offline_only=True)
    answer = _ask(app)
    assert answer.metadata["provider"] == "extractive"
    assert fake_cloud.requests == []  # no connection was ever made to the cloud API


def test_with_offline_only_off_the_cloud_answers_when_the_local_model_fails(make_ai_app, fake_cloud, fake_ollama):
    fake_ollama.mode = Mode.HTTP_500
    app, hearth, shop = _cloud_app(make_ai_app, fake_cloud, offline_only=False)
    answer = _ask(app)
    assert answer.metadata["provider"] == "openai" and answer.body.startswith("Cloud says")
    assert len(fake_cloud.chat_requests()) == 1


def test_the_cloud_is_not_used_for_a_company_that_did_not_enable_it(make_ai_app, fake_cloud, fake_ollama):
    fake_ollama.mode = Mode.HTTP_500
    app, hearth, shop = _cloud_app(make_ai_app, fake_cloud, offline_only=False)
    hearth.companies.update(shop.company, shop.admin, settings={"ai_cloud_fallback": False})
    assert _ask(app).metadata["provider"] == "extractive"
    assert fake_cloud.requests == []


def test_index_drift_is_repaired_at_start(make_ai_app, tmp_path):
    app = make_ai_app(data_dir=str(tmp_path / "shared-data"))
    hearth = app.extensions["hearth"]
    shop = Tenant(hearth, "bikes", ai=True)
    hearth.articles.create(shop.company, shop.admin, title="Opening hours", body="Open 9 to 6.")
    hearth.knowledge.vectors.remove_company(shop.company.id)  # as if the process died mid-write
    assert not hearth.knowledge.in_step(shop.company)
    app = make_ai_app(data_dir=str(tmp_path / "shared-data"))
    hearth = app.extensions["hearth"]
    assert hearth.knowledge.in_step(shop.company)


def test_import_kb_and_reindex_commands(tmp_path, models_dir):
    data = company_data_dir(tmp_path / "data", name="Bikes", slug="bikes", settings={"models_dir": str(models_dir)})
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "returns.md").write_text("# Returns\n\nReturn any bike within 30 days.\n")
    (docs / "hours.txt").write_text("Opening hours\n\nMonday to Saturday, 9 to 6.\n")
    (docs / "faq.jsonl").write_text(json.dumps({"id": "f1", "title": "Gift cards", "body": "Gift cards never expire."})
                                    + "\n")
    result = cli(data, "import-kb", "--company", "bikes", str(docs))
    assert result.returncode == 0, result.stderr
    assert "imported 3 articles from 3 file(s)" in result.stdout
    again = cli(data, "reindex", "--company", "bikes")
    assert again.returncode == 0, again.stderr
    assert "rebuilt the indexes" in again.stdout
    missing = cli(data, "import-kb", "--company", "bikes", str(tmp_path / "nope"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr


@pytest.mark.parametrize("bad_row, problem", [
    ({"tags": ["t" * 60]}, "tags: is 60 characters long; the limit is 40"),
    ({"body": "x" * 200_001}, "body: is 200001 characters long; the limit is 200000"),
])
def test_import_kb_checks_every_article_before_storing_any(tmp_path, bad_row, problem):
    data = company_data_dir(tmp_path / "data", name="Bikes", slug="bikes", settings=NO_MODELS)
    rows = [{"id": f"r{n}", "title": f"Row {n}", "body": f"Answer {n}"} for n in range(250)]
    rows[230].update(bad_row)
    kb = tmp_path / "partial.jsonl"
    kb.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    result = cli(data, "import-kb", "--company", "bikes", str(kb))
    assert result.returncode == 1
    assert f"error: {kb}, line 231: {problem}; nothing was imported" in result.stderr
    db = sqlite3.connect(data / "hearth.db")
    assert db.execute("SELECT COUNT(*) FROM article").fetchone()[0] == 0  # not the first batch of 200 either
    db.close()


def test_eval_command_writes_the_figures(tmp_path):
    kb = tmp_path / "kb.jsonl"
    questions = tmp_path / "q.jsonl"
    kb.write_text("\n".join(json.dumps(a) for a in [
        {"id": "a1", "title": "Refunds", "body": "Refunds take five business days."},
        {"id": "a2", "title": "Opening hours", "body": "We open at nine and close at six."},
    ]) + "\n")
    questions.write_text("\n".join(json.dumps(q) for q in [
        {"qid": "1", "text": "when do you open", "gold_ids": ["a2"], "answerable": True, "kind": "paraphrase"},
        {"qid": "2", "text": "how long do refunds take", "gold_ids": ["a1"], "answerable": True, "kind": "paraphrase"},
        {"qid": "3", "text": "what is the capital of peru", "gold_ids": [], "answerable": False,
         "kind": "out_of_domain"},
        {"qid": "4", "text": "and the refunds then?", "gold_ids": ["a1"], "answerable": True, "kind": "paraphrase",
         "context": [{"speaker": "U", "text": "hello"}, {"speaker": "S", "text": "hi"}]},
    ]) + "\n")
    out = tmp_path / "out.json"
    result = cli(tmp_path, "eval", "--kb", str(kb), "--questions", str(questions), "--json", str(out),
                 "--embedder", "hashing")
    assert result.returncode == 0, result.stderr
    figures = json.loads(out.read_text())
    for key in ("n_answerable", "n_unanswerable", "recall_at_1", "recall_at_5", "mrr", "auroc", "auroc_in_domain",
                "auroc_out_of_domain", "threshold", "correct_deflection_rate", "wrong_answer_rate",
                "false_answer_rate", "p50_ms", "p95_ms"):
        assert key in figures, key
    assert figures["n_answerable"] == 3 and figures["n_unanswerable"] == 1
    assert figures["auroc_in_domain"] is None
    assert figures["recall_at_1"] >= 2 / 3

"""Backups: one encrypted file with everything; restore on another machine with nothing lost;
a wrong passphrase or a changed file writes nothing; daily backups keep the newest N."""
from __future__ import annotations

import os
import sqlite3
import stat
from datetime import datetime, timedelta

import pytest

from appliance import jobs
from appliance.app import create_app
from appliance.backup import MAGIC, BackupError, restore_backup, write_backup
from appliance.db import close_database
from appliance.domain.models import Article, Message, Ticket, User
from appliance.services import run_now
from appliance.services.backups import BackupService
from appliance.settings import Settings
from tests.conftest import PASSWORD, ApiClient, Tenant
from tests.live import cli

PASSPHRASE = "correct horse battery staple"
ARTICLES = [("Refunds and returns", "Refunds go back to the original card within 5 business days."),
            ("Opening hours", "We are open Monday to Saturday from nine to six."),
            ("Battery repair", "We repair e-bike batteries; a check takes one hour and costs 25 euros.")]


def _filled(services):
    acme = Tenant(services, "acme").add_articles(ARTICLES)
    ticket, _ = acme.customer_message("My order #1234 is late")
    services.tickets.reply(acme.company, acme.agent, ticket.id, body="Sorry! It ships today.")
    acme.customer_message("When do you open on Saturday?")
    return acme


def _snapshot(services, company):
    retriever = services.responder.retriever
    return {
        "tickets": sorted((t.number, t.subject) for t in Ticket.select().where(Ticket.company == company)),
        "messages": sorted((m.ticket.number, m.author_role, m.body) for m in Message.select().join(Ticket)),
        "articles": sorted((a.title, a.body) for a in Article.select()),
        "users": sorted(u.email for u in User.select()),
        "top": [retriever.search(company.id, q, k=3).hits[0].title
                for q in ("how long until my refund arrives", "when are you open", "battery check price")],
    }


@pytest.fixture
def pass_file(tmp_path):
    path = tmp_path / "pass.txt"
    path.write_text(PASSPHRASE + "\n")
    return path


def test_backup_and_restore_on_another_machine_loses_nothing(app, services, settings, tmp_path, pass_file):
    acme = _filled(services)
    settings.cloud_key_path.write_text("sk-cloud-key-1234")
    os.chmod(settings.cloud_key_path, 0o600)
    before = _snapshot(services, acme.company)
    out = tmp_path / "moving" / "hearth.hearthbak"
    made = cli(settings.path, "backup", "--out", str(out), "--passphrase-file", str(pass_file))  # while Hearth runs
    assert made.returncode == 0, made.stderr
    assert out.read_bytes().startswith(MAGIC) and b"Refunds go back" not in out.read_bytes()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    close_database()

    target = tmp_path / "new-pc" / "data"
    restored = cli(target, "restore", "--in", str(out), "--passphrase-file", str(pass_file))
    assert restored.returncode == 0, restored.stderr
    assert (target / "chroma").is_dir()  # no server held the data folder: the indexes came along
    assert (target / "secret.key").read_text() == (settings.path / "secret.key").read_text()
    assert (target / "cloud-api.key").read_text() == "sk-cloud-key-1234"
    for key in ("secret.key", "cloud-api.key"):
        assert stat.S_IMODE((target / key).stat().st_mode) == 0o600

    new_settings = Settings.load({"data_dir": str(target), "embedder": "hashing",
                                  "ollama_host": "http://127.0.0.1:9"}, environ={})
    new_app = create_app(new_settings, async_mode="threading", spawn=run_now)
    hearth = new_app.extensions["hearth"]
    company = hearth.companies.by_slug("acme")
    assert hearth.knowledge.in_step(company)
    assert _snapshot(hearth, company) == before
    client = ApiClient(new_app.test_client())
    assert client.login("agent@acme.test", PASSWORD).status_code == 200
    assert client.get("/api/v1/tickets").status_code == 200

    again = cli(target, "restore", "--in", str(out), "--passphrase-file", str(pass_file))
    assert again.returncode == 1 and "not empty" in again.stderr and "--force" in again.stderr


def test_a_wrong_passphrase_or_a_changed_file_writes_nothing(app, services, settings, tmp_path, pass_file):
    _filled(services)
    out = write_backup(settings.path, tmp_path / "b.hearthbak", PASSPHRASE)
    data = out.read_bytes()
    target = tmp_path / "restore-here"

    def refused(blob: bytes | None, passphrase: str, match: str):
        path = tmp_path / "candidate.hearthbak"
        path.write_bytes(blob if blob is not None else data)
        with pytest.raises(BackupError, match=match):
            restore_backup(path, target, passphrase)
        assert not target.exists()
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".restore-here")] == []

    refused(None, "not the passphrase", "wrong passphrase")
    middle = len(data) // 2
    refused(data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1:], PASSPHRASE, "changed or damaged")
    refused(data[:-100], PASSPHRASE, "cut short|changed or damaged")
    refused(data + b"extra", PASSPHRASE, "after its last part")
    refused(b"PK\x03\x04 a zip file", PASSPHRASE, "not a Hearth backup")
    wrong = cli(target, "restore", "--in", str(out), "--passphrase-file", str(tmp_path / "nope"))
    assert wrong.returncode == 2 and "no such file" in wrong.stderr
    bad = tmp_path / "bad-pass"
    bad.write_text("something else entirely")
    wrong = cli(target, "restore", "--in", str(out), "--passphrase-file", str(bad))
    assert wrong.returncode == 1 and "wrong passphrase" in wrong.stderr and "Traceback" not in wrong.stderr
    assert not target.exists()
    with pytest.raises(BackupError, match="at least 8"):
        write_backup(settings.path, tmp_path / "short.hearthbak", "short")


def test_large_contents_stream_in_sealed_chunks(tmp_path):
    """A payload far larger than one chunk round-trips, and every chunk is authenticated."""
    data_dir = tmp_path / "d"
    (data_dir / "chroma").mkdir(parents=True)
    sqlite3.connect(data_dir / "hearth.db").execute("CREATE TABLE t (x)").connection.close()
    blob = os.urandom(3 * 1024 * 1024 + 17)
    (data_dir / "chroma" / "index.bin").write_bytes(blob)
    out = write_backup(data_dir, tmp_path / "big.hearthbak", PASSPHRASE)
    restore_backup(out, tmp_path / "back", PASSPHRASE)
    assert (tmp_path / "back" / "chroma" / "index.bin").read_bytes() == blob


def test_console_backup_download_and_daily_backups_with_retention(app, services, settings, make_client, tmp_path):
    acme = _filled(services)
    admin = make_client(acme.admin)
    short = admin.post("/api/v1/backups", json={"passphrase": "short"})
    assert short.status_code == 422 and "passphrase" in short.get_json()["error"]["message"]
    made = admin.post("/api/v1/backups", json={"passphrase": PASSPHRASE})
    assert made.status_code == 201, made.get_json()
    name = made.get_json()["name"]
    listed = admin.get("/api/v1/backups").get_json()
    assert [b["name"] for b in listed["items"]] == [name] and listed["scheduled"] is False
    download = admin.get(f"/api/v1/backups/{name}")
    assert download.status_code == 200 and download.data.startswith(MAGIC)
    assert "attachment" in download.headers["Content-Disposition"]
    for bad in ("..%2Fhearth.db", "hearth.db", "hearth-manual-x.hearthbak"):
        assert admin.get(f"/api/v1/backups/{bad}").status_code == 404
    assert make_client(acme.agent).get(f"/api/v1/backups/{name}").status_code == 403
    (tmp_path / "dl.hearthbak").write_bytes(download.data)
    restore_backup(tmp_path / "dl.hearthbak", tmp_path / "from-console", PASSPHRASE)
    assert (tmp_path / "from-console" / "hearth.db").exists()

    # Daily: skipped without a passphrase, then kept N deep (backup_keep) with an injected clock.
    day = [datetime(2026, 3, 1, 2, 30)]
    keep_two = Settings.load({"data_dir": str(settings.path), "backup_keep": 2, "embedder": "hashing"}, environ={})
    daily = BackupService(keep_two, services.bus, lambda: day[0], knowledge=services.knowledge,
                          installation=services.installation)
    assert daily.scheduled() is None
    assert admin.put("/api/v1/backups/schedule", json={"passphrase": PASSPHRASE}).get_json()["scheduled"] is True
    assert stat.S_IMODE((settings.path / "backup-passphrase.key").stat().st_mode) == 0o600
    written = []
    for _ in range(3):
        written.append(daily.scheduled().name)
        day[0] += timedelta(days=1)
    remaining = sorted(p.name for p in settings.backups_path.iterdir() if not p.name.startswith("."))
    assert remaining == sorted([name] + written[1:])  # the oldest daily one went; the manual one stays
    actions = [e["action"] for e in admin.get("/api/v1/audit").get_json()["items"]]
    assert "backup.created" in actions and "backup.schedule_passphrase_set" in actions
    jobs.daily_backup(services)  # the scheduler's job is one call into the service
    dailies = [b for b in admin.get("/api/v1/backups").get_json()["items"] if b["kind"] == "daily"]
    assert len(dailies) == 3 and dailies[0]["name"] not in written


def test_a_forced_restore_leaves_nothing_of_the_old_installation_the_backup_lacks(tmp_path):
    """A restore over an installation used to keep what the backup did not hold: its cloud key (so a
    cloud fallback switched off in the backup could come back with the old key), its settings, and
    its indexes, built from another database."""
    source = tmp_path / "source"
    source.mkdir()
    sqlite3.connect(source / "hearth.db").execute("CREATE TABLE t (x)").connection.close()
    (source / "secret.key").write_text("source-secret")
    backup = write_backup(source, tmp_path / "b.hearthbak", PASSPHRASE, with_indexes=False)

    target = tmp_path / "target"
    (target / "chroma" / "segment").mkdir(parents=True)
    for name, text in (("hearth.db", "old"), ("secret.key", "old-secret"), ("cloud-api.key", "sk-old-key"),
                       ("settings.json", '{"offline_only": false}'), ("hearth.lock", "")):
        (target / name).write_text(text)
    (target / "backups").mkdir()
    (target / "backups" / "daily.hearthbak").write_text("kept")
    restore_backup(backup, target, PASSPHRASE, force=True)
    assert (target / "secret.key").read_text() == "source-secret"
    assert not (target / "cloud-api.key").exists() and not (target / "settings.json").exists()
    assert not (target / "chroma").exists()  # rebuilt from the restored database at the first start
    assert (target / "backups" / "daily.hearthbak").read_text() == "kept"  # not part of an installation's state

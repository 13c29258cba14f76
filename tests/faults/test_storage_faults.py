"""A full disk and a locked database: a clear error that says what to do, nothing half-written, and
the next attempt works. The disk is a real, small tmpfs (mounting one needs root, as in CI)."""
from __future__ import annotations

import errno
import os
import sqlite3
import subprocess

import pytest

from appliance.app import create_app
from appliance.db import close_database, database
from appliance.domain.models import Message, Ticket
from appliance.services import run_now
from appliance.settings import Settings
from tests.conftest import ApiClient, Tenant


def _hearth(data_dir):
    settings = Settings.load({"data_dir": str(data_dir), "embedder": "hashing",
                              "ollama_host": "http://127.0.0.1:9", "llm_timeout": 2.0}, environ={})
    app = create_app(settings, async_mode="threading", spawn=run_now)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], check=True)
    yield mount
    close_database()
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(path) -> None:
    """Write until the disk says it is full (unbuffered: big blocks, then single bytes)."""
    with open(path, "wb", buffering=0) as filler:
        for size in (1 << 16, 1):
            try:
                while True:
                    filler.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC


def _counts() -> tuple[int, int]:
    with database.connection_context():
        return Ticket.select().count(), Message.select().count()


def test_full_disk_refuses_cleanly_and_recovers(small_disk):
    app = _hearth(small_disk / "data")
    services, socketio = app.extensions["hearth"], app.extensions["socketio"]
    with database.connection_context():
        acme = Tenant(services, "acme")
        ticket, _ = acme.customer_message("My order has not arrived")
    agent = ApiClient(app.test_client())
    assert agent.login(acme.agent.email).status_code == 200
    visitor = socketio.test_client(app, namespace="/widget", auth={"company": "acme"})
    assert visitor.is_connected("/widget")
    with database.connection_context():
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # no spare room left in the WAL file
    before = _counts()

    _fill(small_disk / "filler")
    reply = agent.post(f"/api/v1/tickets/{ticket.id}/messages", json={"body": "It ships today."})
    assert reply.status_code == 507
    assert reply.get_json()["error"]["code"] == "storage_full"
    assert "free some space" in reply.get_json()["error"]["message"]
    ack = visitor.emit("customer_message", {"text": "Hello?", "client_id": "disk-1"}, namespace="/widget",
                       callback=True)
    assert ack["ok"] is False and ack["error"]["status"] == 507
    assert _counts() == before  # nothing half-written: no ticket without its message, no message at all

    os.remove(small_disk / "filler")
    assert agent.post(f"/api/v1/tickets/{ticket.id}/messages", json={"body": "It ships today."}).status_code == 201
    ack = visitor.emit("customer_message", {"text": "Hello?", "client_id": "disk-1"}, namespace="/widget",
                       callback=True)
    assert ack["ok"] is True
    tickets, messages = _counts()
    assert (tickets, messages) == (before[0] + 1, before[1] + 2)
    visitor.disconnect(namespace="/widget")


def test_locked_database_answers_busy_then_works(tmp_path):
    app = _hearth(tmp_path / "data")
    services = app.extensions["hearth"]
    with database.connection_context():
        acme = Tenant(services, "acme")
        ticket, _ = acme.customer_message("Where is my parcel?")
    agent = ApiClient(app.test_client())
    assert agent.login(acme.agent.email).status_code == 200
    before = _counts()

    holder = sqlite3.connect(tmp_path / "data" / "hearth.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program holds the write lock past Hearth's busy timeout
    try:
        reply = agent.post(f"/api/v1/tickets/{ticket.id}/messages", json={"body": "On its way."})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert reply.status_code == 503
    assert reply.get_json()["error"]["code"] == "busy"
    assert reply.headers["Retry-After"] == "2"
    assert _counts() == before

    assert agent.post(f"/api/v1/tickets/{ticket.id}/messages", json={"body": "On its way."}).status_code == 201
    close_database()

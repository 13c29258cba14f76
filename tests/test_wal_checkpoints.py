"""The server's write-ahead log is moved into the database file by a background thread, not by
whichever request's commit happens to cross SQLite's automatic-checkpoint mark."""
import time

import pytest

from appliance.db import WalCheckpointer, close_database, database, open_database


def _write(rows: int) -> None:
    with database.atomic():
        database.execute_sql("CREATE TABLE IF NOT EXISTS scratch (id INTEGER PRIMARY KEY, body TEXT)")
        for i in range(rows):
            database.execute_sql("INSERT INTO scratch (body) VALUES (?)", (f"row {i} " * 40,))


def _autocheckpoint() -> int:
    return database.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0]


def test_by_default_commits_checkpoint_as_sqlite_does(tmp_path):
    open_database(tmp_path / "h.db")
    try:
        with database.connection_context():
            assert _autocheckpoint() == 1000
    finally:
        close_database()


def test_with_background_checkpoints_no_commit_checkpoints_and_the_thread_does(tmp_path):
    path = tmp_path / "h.db"
    open_database(path, background_checkpoints=True)
    checkpointer = WalCheckpointer(path, interval=0.05)
    try:
        with database.connection_context():
            assert _autocheckpoint() == 0
            _write(3000)  # a few hundred pages, all of them still in the log
        wal = path.with_name("h.db-wal")
        assert wal.stat().st_size > 1_000_000
        busy, in_log, moved = checkpointer.checkpoint()
        assert (busy, moved) == (0, in_log) and in_log > 0

        checkpointer.start()
        deadline = time.monotonic() + 30
        while checkpointer.rounds < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert checkpointer.rounds >= 2
        with database.connection_context():
            assert database.execute_sql("SELECT COUNT(*) FROM scratch").fetchone()[0] == 3000
    finally:
        close_database()
        checkpointer.stop()
    assert not wal.exists() or wal.stat().st_size == 0  # the last checkpoint moved everything
    rounds = checkpointer.rounds
    time.sleep(0.3)
    assert checkpointer.rounds == rounds  # the thread has stopped


def test_an_unknown_checkpoint_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown checkpoint mode"):
        WalCheckpointer(tmp_path / "h.db").checkpoint("EVERYTHING")

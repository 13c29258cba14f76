import sqlite3

import pytest

from appliance import migrations
from appliance.db import close_database, open_database
from appliance.domain.models import ALL_MODELS


def test_fresh_database_matches_the_models(tmp_path):
    open_database(tmp_path / "h.db")
    close_database()
    db = sqlite3.connect(tmp_path / "h.db")
    assert db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == migrations.SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    for model in ALL_MODELS:
        columns = {row[1] for row in db.execute(f'PRAGMA table_info("{model._meta.table_name}")')}
        assert columns == {f.column_name for f in model._meta.sorted_fields}, model.__name__
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'chunk_fts'").fetchone()


def test_migrating_twice_changes_nothing_and_a_newer_database_is_refused(tmp_path):
    open_database(tmp_path / "h.db")
    close_database()
    open_database(tmp_path / "h.db")
    close_database()
    db = sqlite3.connect(tmp_path / "h.db")
    assert db.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == len(migrations.MIGRATIONS)
    db.execute("INSERT INTO schema_version VALUES (999)")
    db.commit()
    with pytest.raises(RuntimeError, match="newer than this Hearth"):
        open_database(tmp_path / "h.db")
    close_database()

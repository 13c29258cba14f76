"""The SQLite database: declared unbound here, bound once at start-up by ``open_database``."""
from __future__ import annotations

import logging
from pathlib import Path

from playhouse.pool import PooledSqliteDatabase
from peewee import DatabaseProxy

logger = logging.getLogger(__name__)

database = DatabaseProxy()

PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "synchronous": "normal",
    "cache_size": -16_000,
}


def open_database(path: Path) -> PooledSqliteDatabase:
    """Bind the models to the SQLite file at ``path`` (WAL mode) and bring its schema up to date."""
    from . import migrations

    db = PooledSqliteDatabase(
        str(path),
        pragmas=PRAGMAS,
        max_connections=64,
        stale_timeout=300,
        timeout=10,
        check_same_thread=False,
    )
    database.initialize(db)
    with db.connection_context():
        migrations.migrate(db)
    return db


def close_database() -> None:
    """Close every pooled connection (at shutdown and between tests)."""
    db = database.obj
    if db is not None:
        db.close_all()

"""The SQLite database: declared unbound here, bound once at start-up by ``open_database``."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

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


class PreparedSelect:
    """A hot SELECT whose SQL text peewee writes once, on first use, instead of on every run
    (writing it is most of a short query's CPU). ``build(*params)`` returns the peewee query for
    those parameter values, which must be its parameters exactly and in order (checked when the
    text is written; keep constants in the query as ``SQL`` literals). Each instance belongs to the
    service that runs it."""

    def __init__(self, model: type, build: Callable[..., Any]):
        self._model = model
        self._build = build
        self._sql: str | None = None

    def first(self, *params: Any) -> Any:
        """The first row as a ``model`` instance (extra selected columns become attributes), or None."""
        if self._sql is None:
            sql, written = self._build(*params).sql()
            if list(written) != list(params):
                raise ValueError(f"the query's parameters {written!r} are not the ones given {params!r}")
            self._sql = sql
        return next(iter(self._model.raw(self._sql, *params)), None)

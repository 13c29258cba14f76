"""Schema versions. Each migration runs once, in order, in its own transaction.

To change the schema: append a function to MIGRATIONS that uses ``playhouse.migrate`` (or SQL)
to move version N-1 to N. Never edit a migration that has shipped.
"""
from __future__ import annotations

import logging

from peewee import Database

logger = logging.getLogger(__name__)


def _v1_initial(db: Database) -> None:
    # Version 1 is the schema as the models first declared it; frozen here by name so later
    # model changes go through new migrations rather than silently altering this one.
    from .domain.models import ALL_MODELS

    db.create_tables(ALL_MODELS)


MIGRATIONS = [_v1_initial]
SCHEMA_VERSION = len(MIGRATIONS)


def current_version(db: Database) -> int:
    db.execute_sql("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = db.execute_sql("SELECT MAX(version) FROM schema_version").fetchone()
    return row[0] or 0


def migrate(db: Database) -> int:
    """Apply every pending migration; returns the schema version now in force."""
    version = current_version(db)
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"the database has schema version {version}, newer than this Hearth ({SCHEMA_VERSION}); "
            "upgrade Hearth or restore an older backup"
        )
    for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
        with db.atomic():
            step(db)
            db.execute_sql("INSERT INTO schema_version (version) VALUES (?)", (number,))
        logger.info("database migrated to schema version %d", number)
    return SCHEMA_VERSION

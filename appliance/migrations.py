"""Schema versions: numbered SQL files in ``appliance/schema/``, each applied once, in order, in
its own transaction. A file's number is its version. To change the schema add a file with a higher
number; never edit one that has shipped."""
from __future__ import annotations

import logging
from pathlib import Path

from peewee import Database

logger = logging.getLogger(__name__)

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
MIGRATIONS = {int(path.name[:4]): path for path in sorted(SCHEMA_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))}
if len(MIGRATIONS) != len(list(SCHEMA_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))):
    raise RuntimeError(f"two schema files in {SCHEMA_DIR} share a number; each version needs its own")
SCHEMA_VERSION = max(MIGRATIONS)


def _statements(sql: str) -> list[str]:
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n") if s.strip().rstrip(";")]


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
    for number, path in sorted(MIGRATIONS.items()):
        if number <= version:
            continue
        with db.atomic():
            for statement in _statements(path.read_text(encoding="utf-8")):
                db.execute_sql(statement)
            db.execute_sql("INSERT INTO schema_version (version) VALUES (?)", (number,))
        logger.info("database migrated to schema version %d (%s)", number, path.name)
    return SCHEMA_VERSION

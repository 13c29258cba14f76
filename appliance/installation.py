"""Installation-level records in the data dir, outside the database: the admin's offline-only
choice (``installation.json``) and the cloud API key (``cloud-api.key``), both owner-only.

Settings are loaded once; the offline-only setting is only the default of a new installation.
Once an admin has chosen in the console, installation.json holds the choice and wins.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from .netguard import NetworkPolicy
from .settings import Settings

logger = logging.getLogger(__name__)

RECORD = "installation.json"
KEY_MAX = 500


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable and writable by the owner only (0600), atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)


def read_record(settings: Settings) -> dict:
    path = settings.path / RECORD
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        logger.error("%s is unreadable (%s); using the settings' defaults", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def write_record(settings: Settings, **changes) -> dict:
    record = {**read_record(settings), **changes}
    write_private(settings.path / RECORD, json.dumps(record, indent=2) + "\n")
    return record


def load_policy(settings: Settings) -> NetworkPolicy:
    """The offline-only switch as this installation has it: the admin's choice, else the setting."""
    choice = read_record(settings).get("offline_only")
    return NetworkPolicy(offline_only=choice if isinstance(choice, bool) else settings.offline_only)


def read_cloud_key(settings: Settings) -> str | None:
    try:
        key = settings.cloud_key_path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return key or None


def mask(key: str | None) -> str | None:
    """What the console may show of a key: its last four characters."""
    if not key:
        return None
    return "…" + key[-4:] if len(key) > 8 else "…"

"""Backups of the whole installation: taken on request (console, command line) or daily, kept N deep.

Only an admin of the installation's owner company may take or download one: a backup holds every
company's data. Scheduled backups need a passphrase the owner stored for them
(``backup-passphrase.key`` in the data dir, owner-only); without it the daily job only says so.
"""
from __future__ import annotations

import logging
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from .. import __version__
from ..backup import BackupError, check_passphrase, seal, stage
from ..db import database
from ..domain.models import User
from ..errors import BadRequest, NotFound
from ..events import EventBus
from ..installation import write_private
from ..migrations import SCHEMA_VERSION
from ..offload import run_blocking
from ..settings import Settings
from .base import Service

logger = logging.getLogger(__name__)

NAME_RE = re.compile(r"^hearth-(?:manual|daily)-\d{8}-\d{6}\.hearthbak$")
SCHEDULE_KEY = "backup-passphrase.key"


class BackupService(Service):
    def __init__(self, settings: Settings, bus: EventBus, clock: Callable[[], datetime], *, knowledge=None,
                 installation=None):
        super().__init__(settings, bus, clock)
        self.knowledge = knowledge
        self.installation = installation

    @property
    def folder(self) -> Path:
        return self.settings.backups_path

    def take(self, out: Path, passphrase: str) -> Path:
        """Write one encrypted backup to ``out``: the database consistently, the indexes under the lock."""
        lock = self.knowledge.index_lock if self.knowledge is not None else None
        with tempfile.TemporaryDirectory(dir=out.parent, prefix=".hearth-backup-") as scratch:
            stage(self.settings.path, Path(scratch), index_lock=lock, snapshot=run_blocking)
            manifest = {"hearth_version": __version__, "schema_version": SCHEMA_VERSION}
            return run_blocking(seal, Path(scratch), out, passphrase, manifest)

    def create(self, user: User, passphrase: Any, kind: str = "manual") -> dict:
        """A backup into the backups folder, by an owner admin (console button)."""
        self.installation.require_manager(user)
        try:
            check_passphrase(passphrase)
        except BackupError as exc:
            raise BadRequest.field("passphrase", exc.message) from None
        path = self._take_named(passphrase, kind)
        with database.atomic():
            self.audit(user.company, user, "backup.created", "installation", None, file=path.name)
        self._prune()
        return self._describe(path)

    def _take_named(self, passphrase: str, kind: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"hearth-{kind}-{self.clock().strftime('%Y%m%d-%H%M%S')}.hearthbak"
        return self.take(self.folder / name, passphrase)

    def list(self, user: User) -> list[dict]:
        self.installation.require_manager(user)
        return [self._describe(p) for p in self._files()]

    def path(self, user: User, name: str) -> Path:
        """The file of one backup (for download); 404 for anything that is not one of ours."""
        self.installation.require_manager(user)
        if not isinstance(name, str) or not NAME_RE.match(name) or not (self.folder / name).is_file():
            raise NotFound("no such backup")
        return self.folder / name

    def set_schedule_passphrase(self, user: User, passphrase: Any) -> None:
        self.installation.require_manager(user)
        try:
            check_passphrase(passphrase)
        except BackupError as exc:
            raise BadRequest.field("passphrase", exc.message) from None
        write_private(self.settings.path / SCHEDULE_KEY, passphrase)
        with database.atomic():
            self.audit(user.company, user, "backup.schedule_passphrase_set", "installation", None)

    def scheduled(self) -> Path | None:
        """The daily backup (the scheduler's job), then pruning to the newest ``backup_keep``."""
        try:
            passphrase = (self.settings.path / SCHEDULE_KEY).read_text(encoding="utf-8")
        except FileNotFoundError:
            logger.warning("daily backup skipped: no passphrase is set for scheduled backups (console: Settings)")
            return None
        path = self._take_named(passphrase, "daily")
        logger.info("daily backup written: %s", path.name)
        self._prune()
        return path

    def status(self, user: User) -> dict:
        return {"scheduled": (self.settings.path / SCHEDULE_KEY).exists(), "keep": self.settings.backup_keep,
                "folder": str(self.folder), "items": self.list(user)}

    def _files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted((p for p in self.folder.iterdir() if NAME_RE.match(p.name)), key=lambda p: p.name.split("-", 2)[2], reverse=True)

    def _prune(self) -> None:
        """Keep the newest ``backup_keep`` daily backups; manual ones are the admin's to delete."""
        daily = [p for p in self._files() if "-daily-" in p.name]
        for old in daily[self.settings.backup_keep:]:
            old.unlink(missing_ok=True)
            logger.info("old backup removed: %s", old.name)

    @staticmethod
    def _describe(path: Path) -> dict:
        stat = path.stat()
        return {"name": path.name, "bytes": stat.st_size, "kind": "daily" if "-daily-" in path.name else "manual"}

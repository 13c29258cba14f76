"""The installation as a whole, not one company: the choices an admin makes while Hearth runs.

- Kept in the database (``installation_setting``): the model that answers, LAN serving and the
  agents' PCs. Whoever needs one reads the current value here, so a change applies at once.
- The offline-only switch and the cloud API key: the switch lives in the ``NetworkPolicy`` the
  process guard enforces (recorded in ``installation.json`` so the guard knows it before the
  database opens); the key in an owner-only file, never returned, logged or audited (only its tail).

These act on every company, so only an admin of the installation's owner (the first company
created, the one the set-up made) may change them; each change is audited in that company's trail.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Callable

from peewee import fn

from ..db import database
from ..domain.models import Company, InstallationSetting, User
from ..errors import BadRequest, Forbidden
from ..events import EventBus
from ..installation import KEY_MAX, mask, read_cloud_key, write_private, write_record
from ..netguard import NetworkPolicy
from ..settings import Settings
from .base import Service

logger = logging.getLogger(__name__)

# name -> default (None: the start-up setting of the same name applies)
DEFAULTS: dict[str, Any] = {
    "ollama_model": None,      # the Ollama model that answers; None: settings.ollama_model
    "lan_enabled": False,      # serve the widget on the local network (takes effect at the next start)
    "agent_networks": [],      # addresses / CIDRs of agents' PCs allowed into the console besides this machine
}


class InstallationService(Service):
    def __init__(self, settings: Settings, bus: EventBus, clock: Callable[[], datetime], network: NetworkPolicy):
        super().__init__(settings, bus, clock)
        self.network = network

    # ---- who may change installation-wide things ------------------------------------------------
    def owner(self) -> Company | None:
        return Company.select().order_by(Company.id).first()

    def is_owner(self, company: Company) -> bool:
        """Is this the company that set the installation up (the first one)?"""
        return company.id == Company.select(fn.MIN(Company.id)).scalar()

    def may_manage(self, user: User) -> bool:
        return user.is_admin and self.is_owner(user.company)

    def require_manager(self, user: User) -> None:
        if not self.may_manage(user):
            raise Forbidden("only an admin of the installation's first company can change installation-wide "
                            "settings (offline-only, the cloud key, backups, models, the local network)")

    # ---- choices kept in the database -----------------------------------------------------------
    def get(self, name: str) -> Any:
        """The current value of one installation-wide choice."""
        row = InstallationSetting.get_or_none(InstallationSetting.name == name)
        if row is not None:
            return row.value
        default = DEFAULTS[name]
        return getattr(self.settings, name) if default is None else default

    def set(self, company: Company, actor: User, name: str, value: Any) -> None:
        """Store a choice (validated by the caller) and record who made it in their company's audit trail."""
        if name not in DEFAULTS:
            raise KeyError(name)
        with database.atomic():
            (InstallationSetting.insert(name=name, value=value, updated_at=self.clock())
             .on_conflict_replace().execute())
            self.audit(company, actor, "installation.updated", "installation", None, name=name, value=value)

    def ollama_model(self) -> str:
        """The Ollama model that answers now."""
        return self.get("ollama_model")

    # ---- offline-only and the cloud key ---------------------------------------------------------
    def state(self, user: User) -> dict[str, Any]:
        """What the console shows: the switch, refusals so far, whether a key is set (its tail only)."""
        key = read_cloud_key(self.settings)
        return {
            "offline_only": self.network.offline_only,
            "refused_connections": self.network.refused,
            "recent_refusals": [r.__dict__ for r in list(self.network.recent)[-10:]],
            "cloud_key_set": key is not None,
            "cloud_key_hint": mask(key),
            "can_manage": self.may_manage(user),
        }

    def set_offline_only(self, user: User, value: Any) -> None:
        self.require_manager(user)
        if not isinstance(value, bool):
            raise BadRequest.field("offline_only", "must be true or false")
        write_record(self.settings, offline_only=value)
        self.network.offline_only = value
        with database.atomic():
            self.audit(user.company, user, "installation.offline_only", "installation", None, offline_only=value)
        logger.warning("offline-only turned %s by %s", "on" if value else "off", user.email)

    def set_cloud_key(self, user: User, key: Any) -> str:
        """Store the cloud API key (owner-only file); returns its masked tail."""
        self.require_manager(user)
        if not isinstance(key, str) or not key.strip():
            raise BadRequest.field("api_key", "must not be empty")
        key = key.strip()
        if len(key) > KEY_MAX or any(ch.isspace() or not ch.isprintable() for ch in key):
            raise BadRequest.field("api_key", f"must be one line of at most {KEY_MAX} printable characters "
                                              "without spaces")
        write_private(self.settings.cloud_key_path, key)
        hint = mask(key)
        with database.atomic():
            self.audit(user.company, user, "installation.cloud_key_set", "installation", None, hint=hint)
        logger.info("cloud API key replaced by %s (%s)", user.email, hint)
        return hint

    def clear_cloud_key(self, user: User) -> None:
        self.require_manager(user)
        self.settings.cloud_key_path.unlink(missing_ok=True)
        with database.atomic():
            self.audit(user.company, user, "installation.cloud_key_removed", "installation", None)

"""Installation-wide choices made in the console (not per company), kept in the database.

Settings (settings.py) are loaded once at start; these are the few things an admin changes while
Hearth runs: the model that answers, LAN serving and the agents' PCs. Whoever needs one reads the
current value here when it needs it, so a change applies at once without a restart.
"""
from __future__ import annotations

from typing import Any

from peewee import fn

from ..db import database
from ..domain.models import Company, InstallationSetting, User
from .base import Service

# name -> default (None: the start-up setting of the same name applies)
DEFAULTS: dict[str, Any] = {
    "ollama_model": None,      # the Ollama model that answers; None: settings.ollama_model
    "lan_enabled": False,      # serve the widget on the local network (takes effect at the next start)
    "agent_networks": [],      # addresses / CIDRs of agents' PCs allowed into the console besides this machine
}


class InstallationService(Service):
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

    def is_owner(self, company: Company) -> bool:
        """Is this the company that set the installation up (the first one)? Its admins make the
        installation-wide choices; other companies' admins cannot change them."""
        return company.id == Company.select(fn.MIN(Company.id)).scalar()

    def ollama_model(self) -> str:
        """The Ollama model that answers now."""
        return self.get("ollama_model")

"""First run: the one time an account may be created without logging in, while no company exists."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from ..db import database
from ..domain.models import Company, User
from ..errors import BadRequest, Conflict
from .base import Service, clean_text
from .companies import CompanyService


def slug_from_name(name: Any) -> str:
    """A URL-friendly slug for a company name, e.g. 'Café Olé Ltd.' -> 'cafe-ole-ltd'."""
    if not isinstance(name, str):
        return ""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:64].strip("-")


_ADMIN_FIELDS = {"name": "admin_name", "email": "admin_email", "password": "admin_password"}


class SetupService(Service):
    def needed(self) -> bool:
        """True while the installation has no company yet (the console shows the first-run wizard)."""
        return not Company.select().exists()

    def create_first_company(self, *, company_name: Any, admin_email: Any, admin_password: Any,
                             admin_name: Any = None, slug: Any = None) -> tuple[Company, User]:
        """Create the installation's first company and its admin; refused once any company exists.

        BEGIN IMMEDIATE takes SQLite's write lock before the check, so two wizards submitting at
        once are serialised: the second sees the first's company and is refused.
        """
        companies = CompanyService(self.settings, self.bus, self.clock)
        company_name = clean_text(company_name, "company_name", 120, multiline=False)
        with database.atomic(lock_type="IMMEDIATE"):
            if Company.select().exists():
                raise Conflict("Hearth is already set up: a company exists. Sign in instead; an admin can add "
                               "more accounts under Users.", fields={"company": ["already set up"]})
            try:
                return companies.create(name=company_name, slug=slug or slug_from_name(company_name),
                                        admin_email=admin_email, admin_password=admin_password,
                                        admin_name=admin_name or "Admin")
            except BadRequest as exc:  # name the wizard's fields: the admin's name, email and password
                fields = {_ADMIN_FIELDS.get(k, k): v for k, v in (exc.fields or {}).items()}
                message = exc.message
                for old, new in _ADMIN_FIELDS.items():
                    if message.startswith(f"{old}:"):
                        message = new + message[len(old):]
                raise BadRequest(message, fields=fields or None) from None

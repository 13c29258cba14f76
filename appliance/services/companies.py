"""Companies (tenants) and their settings."""
from __future__ import annotations

import re
from typing import Any

from peewee import IntegrityError

from .. import events
from ..db import database
from ..domain.models import DEFAULT_COMPANY_SETTINGS, AuditEntry, Company, User
from ..errors import BadRequest, Conflict, NotFound
from .base import Service, clean_text
from .users import UserService

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,62}[a-z0-9])$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


class CompanyService(Service):
    def create(self, *, name: str, slug: str, admin_email: str, admin_password: str,
               admin_name: str | None = None) -> tuple[Company, User]:
        """Create a company with its first admin, all or nothing."""
        name = clean_text(name, "name", 120, multiline=False)
        slug = (slug or "").strip().lower() if isinstance(slug, str) else slug
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            raise BadRequest.field("slug", "use 3-64 lowercase letters, digits and dashes, e.g. 'acme-shop'")
        users = UserService(self.settings, self.bus, self.clock)
        try:
            with database.atomic():
                if Company.select().where(Company.slug == slug).exists():
                    raise Conflict(f"a company with slug {slug!r} already exists; choose another slug",
                                   fields={"slug": ["already taken"]})
                company = Company.create(name=name, slug=slug, settings={}, created_at=self.clock())
                admin = users.create(company, None, email=admin_email, password=admin_password,
                                     name=admin_name or "Admin", role="admin")
                self.audit(company, None, "company.created", "company", company.id, name=name, slug=slug)
        except IntegrityError as exc:
            raise Conflict(f"could not create company {slug!r}: {exc}") from exc
        return company, admin

    def by_slug(self, slug: Any) -> Company:
        if not isinstance(slug, str) or not slug:
            raise NotFound("no such company")
        company = Company.get_or_none(Company.slug == slug.strip().lower())
        if company is None:
            raise NotFound(f"no company with slug {slug!r}")
        return company

    def get(self, company_id: int) -> Company:
        company = Company.get_or_none(Company.id == company_id)
        if company is None:
            raise NotFound("no such company")
        return company

    def update(self, company: Company, actor: User, *, name: str | None = None,
               settings: dict[str, Any] | None = None) -> Company:
        """Change the company's name and settings (admins only; checked by the caller's role)."""
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = clean_text(name, "name", 120, multiline=False)
        checked = {key: self._check_setting(key, value) for key, value in (settings or {}).items()}
        changes.update({f"settings.{key}": value for key, value in checked.items()})
        if not changes:
            return company
        with database.atomic():
            # Merge onto the stored settings and write only these columns: a Company object loaded
            # earlier must not put back an old ticket counter or undo another admin's change.
            stored = Company.select(Company.settings).where(Company.id == company.id).scalar()
            company.settings = {**(stored or {}), **checked}
            if "name" in changes:
                company.name = changes["name"]
            company.save(only=[Company.settings, *([Company.name] if "name" in changes else [])])
            self.audit(company, actor, "company.updated", "company", company.id, changes=changes)
        self.bus.publish(events.COMPANY_UPDATED, company_id=company.id)
        return company

    def audit_trail(self, company: Company, *, limit: int = 100, offset: int = 0) -> tuple[list[AuditEntry], int]:
        """Who changed what in this company, newest first, and how many entries there are."""
        query = AuditEntry.select().where(AuditEntry.company == company)
        return list(query.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)), query.count()

    @staticmethod
    def _check_setting(key: str, value: Any) -> Any:
        field = f"settings.{key}"
        if key not in DEFAULT_COMPANY_SETTINGS:
            raise BadRequest.field(field, f"unknown setting; known: {', '.join(DEFAULT_COMPANY_SETTINGS)}")
        if key == "widget_color":
            if not isinstance(value, str) or not COLOR_RE.match(value):
                raise BadRequest.field(field, "must be a colour like #2563eb")
            return value.lower()
        if key == "widget_greeting":
            return clean_text(value, field, 500, required=False)
        if key == "ai_system_prompt":
            return clean_text(value, field, 4000, required=False)
        if key in ("ai_enabled", "ai_cloud_fallback"):
            if not isinstance(value, bool):
                raise BadRequest.field(field, "must be true or false")
            return value
        if key == "retention_days":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 36500:
                raise BadRequest.field(field, "must be a whole number of days from 0 (keep forever) to 36500")
            return value
        if key == "retention_action":
            if value not in ("delete", "anonymise"):
                raise BadRequest.field(field, "must be 'delete' or 'anonymise'")
            return value
        if key == "ai_confidence_threshold":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise BadRequest.field(field, "must be a number from 0 to 1")
            return float(value)
        return value

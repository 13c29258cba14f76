"""Data retention: each company may delete or anonymise conversations whose last message is older
than N days (its ``retention_days`` and ``retention_action`` settings; off by default). The
scheduler runs it daily; each run that changes something is written to the company's audit trail.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from ..db import database
from ..domain.models import Company, Customer, Message, Ticket, User
from ..redaction import redact
from .base import Service

logger = logging.getLogger(__name__)

BATCH = 200
ANONYMOUS = "Anonymised visitor"


class RetentionService(Service):
    def apply_all(self) -> dict[str, dict[str, int]]:
        """Apply every company's retention setting now; {slug: counts} for companies that changed."""
        results = {}
        for company in Company.select():
            counts = self.apply(company)
            if any(counts.values()):
                results[company.slug] = counts
        return results

    def apply(self, company: Company) -> dict[str, int]:
        days = int(company.setting("retention_days") or 0)
        if days <= 0:
            return {"deleted": 0, "anonymised": 0}
        cutoff = self.clock() - timedelta(days=days)
        old = Ticket.select(Ticket.id).where((Ticket.company == company) & (Ticket.last_message_at < cutoff))
        if company.setting("retention_action") == "anonymise":
            counts = {"deleted": 0, "anonymised": self._anonymise(company, old.where(Ticket.anonymised_at.is_null()),
                                                                   cutoff)}
        else:
            counts = {"deleted": self._delete(company, old), "anonymised": 0}
        if any(counts.values()):
            with database.atomic():
                self.audit(company, None, "retention.applied", "company", company.id, days=days,
                           mode=company.setting("retention_action"), **counts)
            logger.info("data retention in %s: %s", company.slug, counts)
        return counts

    def _delete(self, company: Company, old) -> int:
        deleted = 0
        while True:
            ids = [t.id for t in old.limit(BATCH)]
            if not ids:
                break
            with database.atomic():
                deleted += Ticket.delete().where((Ticket.company == company) & Ticket.id.in_(ids)).execute()
        with database.atomic():  # visitors with no conversation left: their name and email go too
            Customer.delete().where((Customer.company == company)
                                    & ~Customer.id.in_(Ticket.select(Ticket.customer).where(Ticket.company == company))
                                    ).execute()
        return deleted

    def _anonymise(self, company: Company, old, cutoff) -> int:
        agents = [u.name for u in User.select(User.name).where(User.company == company)]
        done = 0
        while True:
            tickets = list(Ticket.select().where(Ticket.id.in_([t.id for t in old.limit(BATCH)])))
            if not tickets:
                break
            with database.atomic():
                for ticket in tickets:
                    customer = Customer.get_by_id(ticket.customer_id)
                    names = agents + ([customer.name] if customer.name else [])
                    for message in Message.select().where(Message.ticket == ticket):
                        meta = {k: v for k, v in (message.metadata or {}).items() if k != "cloud_sent"}
                        if isinstance(meta.get("draft"), str):
                            meta["draft"] = redact(meta["draft"], names).text
                        message.body = redact(message.body, names).text
                        message.metadata = meta
                        message.save()
                    ticket.subject = redact(ticket.subject, names).text
                    ticket.last_message_preview = redact(ticket.last_message_preview, names).text
                    ticket.entities = {}
                    ticket.anonymised_at = self.clock()
                    ticket.save()
                    recent = (Ticket.select().where((Ticket.customer == customer) & (Ticket.last_message_at >= cutoff))
                              .exists())
                    if not recent:
                        customer.name, customer.email = ANONYMOUS, ""
                        customer.save()
                    done += 1
        return done

"""Notifications: something one person must know (an SLA breach for a company's admins, a ticket
someone else gave them), recorded once per person and reference, pushed live, and listed for whoever
was away."""
from __future__ import annotations

from peewee import IntegrityError

from .. import events
from ..db import database
from ..domain.models import Company, Notification, Ticket, User
from .base import Service


class NotificationService(Service):
    def record_for_admins(self, company_id: int, *, kind: str, ref: str, title: str, body: str,
                          ticket: Ticket | None = None) -> list[Notification]:
        """Record one notification for each active admin of the company, skipping those already
        recorded for ``(kind, ref)``. Call inside a transaction; publish the result after commit."""
        created = []
        admins = User.select().where((User.company == company_id) & (User.role == "admin") & User.active)
        for admin in admins:
            try:
                with database.atomic():
                    created.append(Notification.create(company=company_id, user=admin, kind=kind, ref=ref,
                                                       ticket=ticket.id if ticket else None, title=title, body=body,
                                                       created_at=self.clock()))
            except IntegrityError:
                continue  # this person has it already: never twice
        return created

    def record_for(self, user_id: int, company_id: int, *, kind: str, ref: str, title: str, body: str,
                   ticket: Ticket | None = None) -> list[Notification]:
        """Record one notification for one person, unless recorded for ``(kind, ref)`` before. Call
        inside a transaction; publish the result after commit."""
        try:
            with database.atomic():
                return [Notification.create(company=company_id, user=user_id, kind=kind, ref=ref,
                                            ticket=ticket.id if ticket else None, title=title, body=body,
                                            created_at=self.clock())]
        except IntegrityError:
            return []

    def publish(self, notifications: list[Notification]) -> None:
        for note in notifications:
            self.bus.publish(events.NOTIFICATION, company_id=note.company_id, notification=note)

    def list_for(self, company: Company, user: User, *, limit: int = 50) -> list[Notification]:
        """The person's notifications, newest first."""
        return list(Notification.select().where((Notification.company == company) & (Notification.user == user))
                    .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit))

    def mark_read(self, company: Company, user: User, ids: list[int] | None = None) -> int:
        """Mark the person's notifications read (only those in ``ids``, when given: the ones a console
        has shown); returns how many were unread."""
        query = Notification.update(read_at=self.clock()).where(
            (Notification.company == company) & (Notification.user == user) & Notification.read_at.is_null())
        if ids is not None:
            query = query.where(Notification.id.in_(ids))
        return query.execute()


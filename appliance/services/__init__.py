"""Use cases: everything Hearth does to its data goes through here. No Flask, no Socket.IO."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from ..domain.models import utcnow
from ..events import EventBus
from ..settings import Settings
from .articles import ArticleService
from .companies import CompanyService
from .customers import CustomerService
from .tickets import TicketService
from .users import UserService


@dataclass
class Services:
    """Every service of one Hearth, built once by the composition root."""

    settings: Settings
    bus: EventBus
    companies: CompanyService
    users: UserService
    customers: CustomerService
    tickets: TicketService
    articles: ArticleService

    @classmethod
    def build(cls, settings: Settings, bus: EventBus, clock: Callable[[], datetime] = utcnow) -> "Services":
        return cls(
            settings=settings,
            bus=bus,
            companies=CompanyService(settings, bus, clock),
            users=UserService(settings, bus, clock),
            customers=CustomerService(settings, bus, clock),
            tickets=TicketService(settings, bus, clock),
            articles=ArticleService(settings, bus, clock),
        )

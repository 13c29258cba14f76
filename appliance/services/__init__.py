"""Use cases: everything Hearth does to its data goes through here. No Flask, no Socket.IO."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from ..domain.models import utcnow
from ..events import EventBus
from ..installation import load_policy
from ..netguard import NetworkPolicy
from ..settings import Settings
from .articles import ArticleService
from .backups import BackupService
from .companies import CompanyService
from .customers import CustomerService
from .installation import InstallationService
from .retention import RetentionService
from .sla import SlaService
from .tickets import TicketService
from .users import UserService

if TYPE_CHECKING:
    from ..ai.responder import AIResponder
    from .importing import ImportService
    from .knowledge import KnowledgeService


def run_now(fn: Callable[..., Any], *args: Any) -> None:
    """Run background work at once, in the caller's thread (the CLI and tests)."""
    fn(*args)


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
    sla: SlaService
    knowledge: "KnowledgeService | None" = None
    responder: "AIResponder | None" = None
    importer: "ImportService | None" = None
    spawn: Callable[..., Any] = run_now
    installation: InstallationService | None = None
    backups: BackupService | None = None
    retention: RetentionService | None = None

    @classmethod
    def build(cls, settings: Settings, bus: EventBus, clock: Callable[[], datetime] = utcnow, *,
              with_ai: bool = True, spawn: Callable[..., Any] = run_now,
              network: NetworkPolicy | None = None) -> "Services":
        """The services; ``with_ai`` adds the knowledge indexes and the AI responder (loading the
        embedding model and the vector store), which account-management commands don't need.
        ``network`` is the offline-only switch the process guard enforces (default: as recorded)."""
        network = network or load_policy(settings)
        services = cls(
            settings=settings,
            bus=bus,
            companies=CompanyService(settings, bus, clock),
            users=UserService(settings, bus, clock),
            customers=CustomerService(settings, bus, clock),
            tickets=TicketService(settings, bus, clock),
            articles=ArticleService(settings, bus, clock),
            sla=SlaService(settings, bus, clock),
            spawn=spawn,
        )
        if with_ai:
            from ..ai.build import build_ai

            from .importing import ImportService

            services.knowledge, services.responder = build_ai(settings, bus, clock, services.tickets, spawn, network)
            services.importer = ImportService(services.articles, services.knowledge)
        services.installation = InstallationService(settings, bus, clock, network)
        services.backups = BackupService(settings, bus, clock, knowledge=services.knowledge,
                                         installation=services.installation)
        services.retention = RetentionService(settings, bus, clock)
        return services

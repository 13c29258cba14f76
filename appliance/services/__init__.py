"""Use cases: everything Hearth does to its data goes through here. No Flask, no Socket.IO."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from ..domain.models import utcnow
from .. import events
from ..events import EventBus
from ..settings import Settings
from .articles import ArticleService
from .companies import CompanyService
from .customers import CustomerService
from .installation import InstallationService
from .lan import LanService
from .setup import SetupService
from .sla import SlaService
from .tickets import TicketService
from .users import UserService

if TYPE_CHECKING:
    from ..ai.responder import AIResponder
    from .importing import ImportService
    from .knowledge import KnowledgeService
    from .models import ModelService


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
    installation: "InstallationService | None" = None
    setup: "SetupService | None" = None
    lan: "LanService | None" = None
    models: "ModelService | None" = None

    @classmethod
    def build(cls, settings: Settings, bus: EventBus, clock: Callable[[], datetime] = utcnow, *,
              with_ai: bool = True, spawn: Callable[..., Any] = run_now) -> "Services":
        """The services; ``with_ai`` adds the knowledge indexes and the AI responder (loading the
        embedding model and the vector store), which account-management commands don't need."""
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
        services.installation = InstallationService(settings, bus, clock)
        services.setup = SetupService(settings, bus, clock)
        services.lan = LanService(settings, services.installation)
        if with_ai:
            from ..ai.build import build_ai

            from .importing import ImportService

            services.knowledge, services.responder = build_ai(settings, bus, clock, services.tickets, spawn,
                                                              model_choice=services.installation.ollama_model)
            services.importer = ImportService(services.articles, services.knowledge)
            from .models import ModelService

            services.models = ModelService(settings, bus, services.installation, services.responder.chains.local, clock)
            # answers cached from the previous model must not outlive the choice of another
            bus.subscribe(events.MODEL_CHOSEN, lambda _name, _event: services.responder.cache.clear())
        return services

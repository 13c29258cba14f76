"""Use cases: everything Hearth does to its data goes through here. No Flask, no Socket.IO."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from ..domain.models import utcnow
from .. import events
from ..events import EventBus
from ..installation import load_policy
from ..netguard import NetworkPolicy
from ..settings import Settings
from .articles import ArticleService
from .backups import BackupService
from .canned_replies import CannedReplyService
from .companies import CompanyService
from .csat import CsatService
from .customers import CustomerService
from .installation import InstallationService
from .lan import LanService
from .merging import MergeService
from .notifications import NotificationService
from .reports import ReportService
from .retention import RetentionService
from .routing import OnlineLookup, RoutingService, nobody_online
from .setup import SetupService
from .sla import SlaService
from .tags import TagService
from .teams import TeamService
from .tickets import TicketService
from .users import UserService
from .webhooks import WebhookService

if TYPE_CHECKING:
    from ..ai.responder import AIResponder
    from ..metrics import Metrics
    from .health import HealthService
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
    csat: CsatService
    reports: ReportService
    teams: TeamService
    routing: RoutingService
    notifications: NotificationService
    knowledge: "KnowledgeService | None" = None
    responder: "AIResponder | None" = None
    importer: "ImportService | None" = None
    spawn: Callable[..., Any] = run_now
    webhooks: "WebhookService | None" = None
    metrics: "Metrics | None" = None
    health: "HealthService | None" = None
    canned: CannedReplyService | None = None
    tags: TagService | None = None
    merges: MergeService | None = None
    installation: InstallationService | None = None
    backups: BackupService | None = None
    retention: RetentionService | None = None
    setup: "SetupService | None" = None
    lan: "LanService | None" = None
    models: "ModelService | None" = None

    @classmethod
    def build(cls, settings: Settings, bus: EventBus, clock: Callable[[], datetime] = utcnow, *,
              with_ai: bool = True, spawn: Callable[..., Any] = run_now,
              online: OnlineLookup = nobody_online, network: NetworkPolicy | None = None) -> "Services":
        """The services; ``with_ai`` adds the knowledge indexes and the AI responder (loading the
        embedding model and the vector store), which account-management commands don't need.
        ``online`` tells routing which of a company's people are in the console now; ``network`` is
        the offline-only switch the process guard enforces (default: as recorded)."""
        network = network or load_policy(settings)
        teams = TeamService(settings, bus, clock)
        routing = RoutingService(settings, bus, clock, teams=teams, online=online, spawn=spawn)
        notifications = NotificationService(settings, bus, clock)
        services = cls(
            settings=settings,
            bus=bus,
            companies=CompanyService(settings, bus, clock),
            users=UserService(settings, bus, clock),
            customers=CustomerService(settings, bus, clock),
            tickets=TicketService(settings, bus, clock, notifications=notifications),
            articles=ArticleService(settings, bus, clock),
            csat=CsatService(settings, bus, clock),
            reports=ReportService(settings, bus, clock),
            sla=SlaService(settings, bus, clock, routing=routing, notifications=notifications),
            teams=teams,
            routing=routing,
            notifications=notifications,
            spawn=spawn,
        )
        services.canned = CannedReplyService(settings, bus, clock)
        services.tags = TagService(settings, bus, clock, services.tickets)
        services.merges = MergeService(settings, bus, clock, services.tickets)
        services.installation = InstallationService(settings, bus, clock, network)
        services.setup = SetupService(settings, bus, clock)
        services.lan = LanService(settings, services.installation)
        if with_ai:
            from ..ai.build import build_ai

            from .importing import ImportService
            from .models import ModelService

            services.knowledge, services.responder = build_ai(
                settings, bus, clock, services.tickets, spawn, network,
                model_choice=services.installation.ollama_model)
            services.importer = ImportService(services.articles, services.knowledge)
            services.models = ModelService(settings, bus, services.installation, services.responder.chains.local, clock)
            # answers cached from the previous model must not outlive the choice of another
            bus.subscribe(events.MODEL_CHOSEN, lambda _name, _event: services.responder.cache.clear())
        services.webhooks = WebhookService(settings, bus, clock, spawn=spawn)
        services._add_observability(clock)
        services.backups = BackupService(settings, bus, clock, knowledge=services.knowledge,
                                         installation=services.installation)
        services.retention = RetentionService(settings, bus, clock)
        return services

    def _add_observability(self, clock: Callable[[], datetime]) -> None:
        """Metrics and the AI health monitor, fed by the event bus."""
        from ..metrics import Metrics
        from .health import HealthService

        self.metrics = Metrics()
        self.metrics.subscribe(self.bus)
        chains = self.responder.chains if self.responder is not None else None
        if self.responder is not None:
            self.metrics.watch_cache(self.responder.cache.totals)

        def cloud_state(company) -> tuple[str, str]:
            if self.settings.offline_only:
                return "offline-only", "Hearth runs offline-only: nothing leaves this machine."
            if not company.setting("ai_cloud_fallback"):
                return "off", "The cloud fallback is turned off for this company."
            if not self.settings.cloud_key_path.exists():
                return "not-configured", f"No API key: put it in {self.settings.cloud_key_path.name} in the data folder."
            return "configured", f"{self.settings.openai_model} answers when the local model cannot."

        self.health = HealthService(self.settings, self.bus, clock,
                                    local_status=(lambda: chains.local().status()) if chains else None,
                                    cloud_state=cloud_state)

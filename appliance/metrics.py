"""Prometheus metrics of one Hearth, in a registry it owns (never prometheus_client's global one).

HTTP metrics are fed by the web layer, AI answers and SLA breaches by domain events; socket
connections, the answer cache and open tickets are read when /metrics is scraped."""
from __future__ import annotations

from typing import Callable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from . import events
from .events import EventBus

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OPEN_STATUSES = ("bot", "open", "pending")


class _Scraped(Collector):
    """Values read at scrape time from the parts that already hold them."""

    def __init__(self) -> None:
        self.sockets: Callable[[], dict[str, int]] | None = None
        self.cache_stats: Callable[[], dict[str, float]] | None = None

    def collect(self):
        sockets = GaugeMetricFamily("hearth_socket_connections", "Open Socket.IO connections by namespace",
                                    labels=["namespace"])
        for namespace, count in sorted((self.sockets() if self.sockets else {}).items()):
            sockets.add_metric([namespace], count)
        yield sockets
        stats = self.cache_stats() if self.cache_stats else {"hits": 0, "misses": 0}
        yield CounterMetricFamily("hearth_ai_cache_hits", "AI answers served from the answer cache",
                                  value=stats["hits"])
        yield CounterMetricFamily("hearth_ai_cache_misses", "AI questions the answer cache did not know",
                                  value=stats["misses"])
        yield _open_tickets()


def _open_tickets() -> GaugeMetricFamily:
    from peewee import fn

    from .domain.models import Company, Ticket

    family = GaugeMetricFamily("hearth_open_tickets", "Tickets not yet resolved (bot, open, pending) per company",
                               labels=["company"])
    counts = dict((Ticket.select(Company.slug, fn.COUNT(Ticket.id)).join(Company)
                   .where(Ticket.status.in_(OPEN_STATUSES)).group_by(Company.slug).tuples()))
    for (slug,) in Company.select(Company.slug).order_by(Company.slug).tuples():
        family.add_metric([slug], counts.get(slug, 0))
    return family


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.http_requests = Counter("hearth_http_requests", "HTTP requests answered, by route, method and status",
                                     ["route", "method", "status"], registry=r)
        self.http_seconds = Histogram("hearth_http_request_duration_seconds", "Time to answer an HTTP request",
                                      ["route"], registry=r,
                                      buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.ai_answers = Counter("hearth_ai_answers", "AI answers sent to customers, by provider and model",
                                  ["provider", "model"], registry=r)
        self.ai_seconds = Histogram("hearth_ai_answer_duration_seconds", "Time from a customer's question to the "
                                    "AI's complete answer", registry=r,
                                    buckets=(0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60))
        self.ai_failures = Counter("hearth_ai_provider_failures", "Model providers that failed while answering "
                                   "(the next one took over)", ["provider"], registry=r)
        self.sla_breaches = Counter("hearth_sla_breaches", "SLA breaches recorded", registry=r)
        self._scraped = _Scraped()
        r.register(self._scraped)

    def watch_sockets(self, counts: Callable[[], dict[str, int]]) -> None:
        self._scraped.sockets = counts

    def watch_cache(self, stats: Callable[[], dict[str, float]]) -> None:
        self._scraped.cache_stats = stats

    def observe_http(self, route: str, method: str, status: int, seconds: float) -> None:
        self.http_requests.labels(route, method, str(status)).inc()
        self.http_seconds.labels(route).observe(seconds)

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe(events.MESSAGE_CREATED, self._on_message)
        bus.subscribe(events.SLA_EVENT, self._on_sla_event)

    def _on_message(self, _name: str, event: dict) -> None:
        message = event["message"]
        meta = message.metadata or {}
        if message.author_role != "ai" or message.private or not meta.get("provider"):
            return
        self.ai_answers.labels(meta["provider"], meta.get("model") or "").inc()
        if meta.get("latency_ms") is not None and not meta.get("cached") and meta["provider"] != "rules":
            self.ai_seconds.observe(meta["latency_ms"] / 1000)
        for failure in meta.get("fallbacks") or []:
            self.ai_failures.labels(str(failure).split(":", 1)[0]).inc()

    def _on_sla_event(self, _name: str, event: dict) -> None:
        if event["event"].kind == "breach":
            self.sla_breaches.inc()

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)

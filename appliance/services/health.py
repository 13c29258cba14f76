"""The AI's health per company over a recent window, and alerts when a threshold is crossed.

Every AI message is a sample (its latency, whether a model failed on the way, whether it came
from the answer cache). Alerts are raised once when a threshold is crossed and cleared once when
it is no longer; both are published (``health.alert``) and kept in memory for the panel."""
from __future__ import annotations

import logging
import math
import threading
from collections import defaultdict, deque
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from .. import events
from ..domain.models import Company
from ..events import EventBus
from ..settings import Settings
from .base import Service

logger = logging.getLogger(__name__)

FAILURE_RATE, P95_LATENCY, CACHE_MISSES, LOCAL_MODEL = "failure_rate", "p95_latency", "cache_misses", "local_model"
MAX_SAMPLES = 5000
HISTORY = 50


@dataclass(frozen=True)
class Sample:
    at: datetime
    seconds: float | None  # None: not a timed answer (a hand-over draft)
    failed: bool           # a model provider failed while answering
    cached: bool           # served from the answer cache


@dataclass
class Alert:
    kind: str
    state: str             # "raised" or "cleared"
    value: float | None
    threshold: float | None
    message: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "at": self.at.isoformat() + "+00:00"}


class HealthService(Service):
    def __init__(self, settings: Settings, bus: EventBus, clock: Callable[[], datetime], *,
                 local_status: Callable[[], Any] | None = None,
                 cloud_state: Callable[[Company], tuple[str, str]] | None = None):
        super().__init__(settings, bus, clock)
        self.local_status = local_status   # () -> ProviderStatus of the local model
        self.cloud_state = cloud_state     # company -> (state, detail)
        self._samples: dict[int, deque[Sample]] = defaultdict(lambda: deque(maxlen=MAX_SAMPLES))
        self._active: dict[int, dict[str, Alert]] = defaultdict(dict)
        self._history: dict[int, deque[Alert]] = defaultdict(lambda: deque(maxlen=HISTORY))
        self._local_ok: bool | None = None
        self._local_detail = ""
        self._lock = threading.Lock()
        bus.subscribe(events.MESSAGE_CREATED, self._on_message)

    # ---- samples ----------------------------------------------------------------------------
    def _on_message(self, _name: str, event: dict) -> None:
        message = event["message"]
        meta = message.metadata or {}
        provider = meta.get("provider")
        if message.author_role != "ai" or not provider or provider == "rules":
            return
        latency = meta.get("latency_ms")
        with self._lock:
            # While the local model is known to be down, its alert says so: the answers given meanwhile
            # (quoted from the articles) are that outage, not failures of their own. Without this a desk
            # that runs without Ollama showed a failure rate of 100% beside "local model unreachable".
            outage = self._local_ok is False
        self.record(event["company_id"], Sample(message.created_at or self.clock(),
                                                None if latency is None or meta.get("cached") else latency / 1000,
                                                bool(meta.get("fallbacks")) and not outage, bool(meta.get("cached"))))

    def record(self, company_id: int, sample: Sample) -> None:
        """Add one AI answer to the company's window and raise or clear alerts it causes."""
        with self._lock:
            self._samples[company_id].append(sample)
        self._evaluate(company_id, sample.at)

    def window(self, company_id: int, now: datetime | None = None) -> dict[str, Any]:
        """The company's AI figures over the last ``health_window_minutes``."""
        now = now or self.clock()
        since = now - timedelta(minutes=self.settings.health_window_minutes)
        with self._lock:
            samples = [s for s in self._samples.get(company_id, ()) if since <= s.at <= now]
        times = sorted(s.seconds for s in samples if s.seconds is not None)
        answers = len(samples)
        return {
            "minutes": self.settings.health_window_minutes,
            "answers": answers,
            "failures": sum(s.failed for s in samples),
            "failure_rate": sum(s.failed for s in samples) / answers if answers else None,
            "p95_seconds": times[max(0, math.ceil(0.95 * len(times)) - 1)] if times else None,
            "cache_hits": sum(s.cached for s in samples),
            "cache_hit_rate": sum(s.cached for s in samples) / answers if answers else None,
            "cache_miss_rate": 1 - sum(s.cached for s in samples) / answers if answers else None,
        }

    # ---- alerts -----------------------------------------------------------------------------
    def thresholds(self) -> dict[str, float]:
        s = self.settings
        return {FAILURE_RATE: s.health_max_failure_rate, P95_LATENCY: s.health_max_p95_seconds,
                CACHE_MISSES: s.health_max_cache_miss_rate}

    def check(self, now: datetime | None = None) -> list[tuple[int, Alert]]:
        """Ask the local model whether it can answer, then re-evaluate every company (the
        scheduler's job). Returns the alerts raised or cleared."""
        now = now or self.clock()
        if self.local_status is not None:
            status = self.local_status()
            with self._lock:
                self._local_ok, self._local_detail = bool(status.available), status.detail
        changed = []
        for (company_id,) in Company.select(Company.id).tuples():
            changed.extend((company_id, a) for a in self._evaluate(company_id, now))
        return changed

    def _evaluate(self, company_id: int, now: datetime) -> list[Alert]:
        figures = self.window(company_id, now)
        limits = self.thresholds()
        enough = figures["answers"] >= self.settings.health_min_samples
        checks: dict[str, tuple[bool, float | None, float | None, str]] = {
            FAILURE_RATE: (enough and figures["failure_rate"] > limits[FAILURE_RATE], figures["failure_rate"],
                           limits[FAILURE_RATE], "AI failure rate {value:.0%} is above {threshold:.0%}"),
            P95_LATENCY: (enough and figures["p95_seconds"] is not None and figures["p95_seconds"] > limits[P95_LATENCY],
                          figures["p95_seconds"], limits[P95_LATENCY],
                          "AI answers are slow: p95 {value:.1f} s is above {threshold:.1f} s"),
            CACHE_MISSES: (enough and figures["cache_miss_rate"] > limits[CACHE_MISSES], figures["cache_miss_rate"],
                           limits[CACHE_MISSES], "{value:.0%} of questions miss the answer cache (limit {threshold:.0%})"),
        }
        with self._lock:
            local_ok, local_detail = self._local_ok, self._local_detail
        if local_ok is not None:
            checks[LOCAL_MODEL] = (not local_ok, None, None, f"The local model cannot answer: {local_detail}")
        changed = []
        with self._lock:
            active = self._active[company_id]
            for kind, (crossed, value, threshold, text) in checks.items():
                if crossed and kind not in active:
                    alert = Alert(kind, "raised", value, threshold, text.format(value=value or 0, threshold=threshold or 0), now)
                    active[kind] = alert
                elif not crossed and kind in active:
                    del active[kind]
                    alert = Alert(kind, "cleared", value, threshold, f"Back to normal: {_LABELS[kind]}", now)
                else:
                    continue
                self._history[company_id].appendleft(alert)
                changed.append(alert)
        for alert in changed:
            (logger.warning if alert.state == "raised" else logger.info)(
                "health alert %s for company %s: %s", alert.state, company_id, alert.message)
            self.bus.publish(events.HEALTH_ALERT, company_id=company_id, alert=alert)
        return changed

    def alerts(self, company_id: int) -> tuple[list[Alert], list[Alert]]:
        """The company's active alerts and its recent raise/clear history, newest first."""
        with self._lock:
            return list(self._active.get(company_id, {}).values()), list(self._history.get(company_id, ()))

    # ---- the panel ----------------------------------------------------------------------------
    def report(self, company: Company, now: datetime | None = None) -> dict[str, Any]:
        """Everything the health panel shows, for one company."""
        now = now or self.clock()
        local: dict[str, Any] = {"state": "unknown", "detail": "The AI is not loaded in this process.", "models": []}
        if self.local_status is not None:
            status = self.local_status()
            local = {"state": "ready" if status.available else "unreachable", "detail": status.detail,
                     "models": list(status.models), "host": self.settings.ollama_host,
                     "model": self.settings.ollama_model}
            with self._lock:
                self._local_ok, self._local_detail = bool(status.available), status.detail
            self._evaluate(company.id, now)
        state, detail = self.cloud_state(company) if self.cloud_state else ("off", "")
        active, history = self.alerts(company.id)
        return {"local_model": local, "cloud": {"state": state, "detail": detail},
                "window": self.window(company.id, now), "thresholds": {**self.thresholds(),
                                                                       "min_samples": self.settings.health_min_samples},
                "alerts": [a.to_dict() for a in active], "history": [a.to_dict() for a in history]}


_LABELS = {FAILURE_RATE: "AI failure rate", P95_LATENCY: "AI answer time", CACHE_MISSES: "answer cache",
           LOCAL_MODEL: "the local model answers again"}

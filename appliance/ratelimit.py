"""Rate limits for Socket.IO events and logins, and the cap on concurrent Socket.IO connections.

HTTP requests are limited by Flask-Limiter (web/limits.py); both use the `limits` library's
moving window in memory, owned by one running Hearth (built in the composition root).
"""
from __future__ import annotations

import logging
import math
import threading
import time

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from .errors import HearthError
from .settings import Settings

logger = logging.getLogger(__name__)

# tier name → the setting holding its limit ("" in a setting turns that tier off).
TIERS = {
    "socket_ip": "rate_limit_socket_ip",
    "visitor": "rate_limit_visitor",
    "visitor_typing": "rate_limit_visitor_typing",
    "company": "rate_limit_company",
    "connect_ip": "rate_limit_connect_ip",
    "login_ip": "rate_limit_login_ip",
    "login_account": "rate_limit_login_account",
}


class RateLimited(HearthError):
    """Too many requests; ``retry_after`` says in how many seconds to try again."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after

    def to_dict(self) -> dict:
        body = super().to_dict()
        body["error"]["retry_after"] = self.retry_after
        return body


class RateLimiter:
    """Counts hits per tier and key; ``check`` raises RateLimited (and logs) once a tier is over."""

    def __init__(self, settings: Settings, clock=time.time):
        self._storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._clock = clock
        self._items: dict[str, list[RateLimitItem]] = {
            tier: parse_many(getattr(settings, name)) if getattr(settings, name) else []
            for tier, name in TIERS.items()}

    def check(self, tier: str, key: object) -> None:
        """Count one hit for ``key`` in ``tier``; over the limit → RateLimited with a retry time."""
        for item in self._items[tier]:
            if not self._limiter.hit(item, tier, str(key)):
                reset = self._limiter.get_window_stats(item, tier, str(key)).reset_time
                retry_after = max(1, math.ceil(reset - self._clock()))
                logger.warning("rate limit hit: %s %s over %s; retry in %ss", tier, key, item, retry_after)
                raise RateLimited(f"too many requests ({item} for this {tier.replace('_', ' ')}); "
                                  f"try again in {retry_after} s", retry_after)

    def reset(self, tier: str, key: object) -> None:
        """Forget the hits of ``key`` in ``tier`` (e.g. after a successful login)."""
        for item in self._items[tier]:
            self._limiter.clear(item, tier, str(key))


class ConnectionGate:
    """The global cap on concurrent Socket.IO connections (both namespaces together)."""

    def __init__(self, cap: int):
        self.cap = cap
        self._sids: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def admit(self, namespace: str, sid: str) -> None:
        """Count a new connection, or refuse it (ConnectionRefusedError) when the cap is reached."""
        with self._lock:
            if self.cap and len(self._sids) >= self.cap:
                logger.warning("connection refused on %s: %d concurrent connections is the cap", namespace, self.cap)
                raise ConnectionRefusedError("the server is busy (too many connections); try again in a minute")
            self._sids.add((namespace, sid))

    def release(self, namespace: str, sid: str) -> None:
        with self._lock:
            self._sids.discard((namespace, sid))

    def __len__(self) -> int:
        return len(self._sids)

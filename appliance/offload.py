"""Run CPU-heavy work (embedding, model inference) off the gevent loop, so one customer's
question never stalls every other connection."""
from __future__ import annotations

from typing import Any, Callable, TypeVar

T = TypeVar("T")


def run_blocking(fn: Callable[..., T], *args: Any) -> T:
    """Call ``fn(*args)`` in gevent's native thread pool when the process is monkey-patched,
    directly otherwise (tests, the CLI)."""
    try:
        from gevent import get_hub, monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return fn(*args)
    if not monkey.is_module_patched("threading"):
        return fn(*args)
    return get_hub().threadpool.apply(fn, args)

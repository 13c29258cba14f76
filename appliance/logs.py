"""Logging, configured once at start-up: JSON lines to a size-rotated logs/hearth.log in the data
dir, readable text to the console, and a correlation id on every line written while an HTTP
request or a Socket.IO event is handled.

A line looks like::

    {"time": "2026-11-21T23:50:01.123+00:00", "level": "INFO", "logger": "appliance.web.ops",
     "message": "GET /api/v1/tickets 200", "request_id": "6f1c0d2a9b8e4f10", "method": "GET",
     "route": "/api/v1/tickets", "status": 200, "duration_ms": 12.4}

The correlation id lives in a context variable: gevent gives each greenlet its own context, so
concurrent requests never see each other's id."""
from __future__ import annotations

import contextvars
import logging
import logging.handlers
import re
import uuid
from datetime import datetime, timezone

from pythonjsonlogger.json import JsonFormatter

from .settings import Settings

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("hearth_request_id", default=None)

_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def new_request_id(incoming: str | None = None) -> str:
    """The caller's X-Request-Id when it is short and plain, else a fresh random id."""
    if incoming and _SANE_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex[:16]


class CorrelationFilter(logging.Filter):
    """Stamps each record with the current request's (or socket event's) correlation id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class HearthJsonFormatter(JsonFormatter):
    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s %(message)s %(request_id)s",
                         rename_fields={"levelname": "level", "name": "logger"}, json_ensure_ascii=False)

    def add_fields(self, log_record, record, message_dict) -> None:
        log_record["time"] = datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
        super().add_fields(log_record, record, message_dict)


def configure_logging(settings: Settings) -> None:
    """Send every log record to logs/hearth.log (JSON lines, rotated by size) and to stderr."""
    log_dir = settings.path / "logs"
    log_dir.mkdir(exist_ok=True)
    correlation = CorrelationFilter()
    file_handler = logging.handlers.RotatingFileHandler(log_dir / "hearth.log", maxBytes=settings.log_max_bytes,
                                                        backupCount=settings.log_backups, encoding="utf-8")
    file_handler.setFormatter(HearthJsonFormatter())
    file_handler.addFilter(correlation)
    console = logging.StreamHandler()
    console.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in root.handlers:
        old.close()
    root.handlers[:] = [file_handler, console]
    root.setLevel(settings.log_level.upper())
    for noisy in ("engineio", "socketio", "geventwebsocket", "werkzeug", "httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

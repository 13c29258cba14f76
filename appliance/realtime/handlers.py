"""What every Socket.IO event handler shares: payload checks, error acks, database hygiene."""
from __future__ import annotations

import functools
import logging
from typing import Any, Callable

from flask import request

from ..db import database
from ..errors import BadRequest, HearthError, storage_error
from ..logs import new_request_id, request_id
from ..ratelimit import RateLimited, RateLimiter
from ..services.base import is_row_id

logger = logging.getLogger(__name__)


def event_handler(handler: Callable) -> Callable:
    """Run a handler so that nothing it meets crashes the server: errors become an error ack."""

    @functools.wraps(handler)
    def wrapper(self, *args: Any) -> Any:
        token = request_id.set(new_request_id())  # one correlation id per socket event
        event = handler.__name__.removeprefix("on_")
        logger.debug("socket event %s", event, extra={"socket_event": event})
        try:
            for tier, key in self.rate_keys(event):
                self.limiter.check(tier, key)
            if len(args) > 1:  # a client sent several arguments: every event takes one object
                raise BadRequest("send the event's data as one JSON object")
            result = handler(self, *args)
            return {"ok": True, **(result or {})}
        except HearthError as exc:
            return {"ok": False, **exc.to_dict()}
        except Exception as exc:
            storage = storage_error(exc)
            if storage is not None:
                logger.error("socket event %s: %s (%s)", handler.__name__, storage.code, exc)
                return {"ok": False, **storage.to_dict()}
            logger.exception("socket event %s failed", handler.__name__)
            return {"ok": False, "error": {"status": 500, "code": "internal_error",
                                           "message": "Hearth hit an unexpected error; it has been logged"}}
        finally:
            database.close()  # hand the connection back to the pool
            request_id.reset(token)

    return wrapper


def correlated(handler: Callable) -> Callable:
    """Run a connect/disconnect handler with a correlation id of its own (events get one from
    ``event_handler``)."""

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = request_id.set(new_request_id())
        try:
            return handler(*args, **kwargs)
        finally:
            request_id.reset(token)

    return wrapper


def client_address() -> str:
    return request.remote_addr or "unknown"


def refuse_when_over(limiter: RateLimiter, tier: str, key: str) -> None:
    """Refuse a connection (ConnectionRefusedError with the retry time) when ``tier`` is over."""
    try:
        limiter.check(tier, key)
    except RateLimited as exc:
        raise ConnectionRefusedError({"message": exc.message, "status": 429, "retry_after": exc.retry_after}) from None


def payload(data: Any, *required: str) -> dict:
    """The event's data as a dict holding the required keys, or a BadRequest saying what is missing."""
    if not isinstance(data, dict):
        raise BadRequest("the event data must be a JSON object")
    missing = [key for key in required if key not in data]
    if missing:
        raise BadRequest.field(missing[0], "is required")
    return data


def int_field(data: dict, name: str) -> int:
    value = data.get(name)
    if not is_row_id(value):
        raise BadRequest.field(name, "must be a positive integer id")
    return value


def bool_field(data: dict, name: str) -> bool:
    value = data.get(name)
    if not isinstance(value, bool):
        raise BadRequest.field(name, "must be true or false")
    return value

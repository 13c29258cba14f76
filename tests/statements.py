"""What SQL a piece of code runs, as SQLite itself reports it (its trace callback)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from appliance.db import database


@contextmanager
def statements() -> Iterator[list[str]]:
    """The statements run on this thread's connection inside the block, in order."""
    seen: list[str] = []
    connection = database.connection()
    connection.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        connection.set_trace_callback(None)


def serialized_tickets(bus, event_name: str) -> tuple[list[dict], list[str]]:
    """Listen to ``event_name`` on ``bus``: each event's ticket, serialized as its push shows it,
    goes into the first list, and the statements serializing it ran into the second (empty when
    everything the push shows was read with the ticket)."""
    from appliance import serializers

    pushed: list[dict] = []
    serializing: list[str] = []

    def serialize(_name, event):
        with statements() as ran:
            pushed.append(serializers.ticket(event["ticket"]))
        serializing.extend(ran)

    bus.subscribe(event_name, serialize)
    return pushed, serializing

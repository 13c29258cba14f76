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

"""The SQLite database: declared unbound here, bound once at start-up by ``open_database``."""
from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from playhouse.pool import PooledSqliteDatabase
from peewee import DatabaseProxy

logger = logging.getLogger(__name__)

database = DatabaseProxy()
# UPDATE … RETURNING (a new ticket takes its number in one statement) arrived in SQLite 3.35
MIN_SQLITE = (3, 35)

PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "synchronous": "normal",
    "cache_size": -16_000,
}


def open_database(path: Path, *, background_checkpoints: bool = False) -> PooledSqliteDatabase:
    """Bind the models to the SQLite file at ``path`` (WAL mode) and bring its schema up to date.

    With ``background_checkpoints`` the connections never move the write-ahead log into the
    database file themselves (``wal_autocheckpoint`` 0): a ``WalCheckpointer`` must run."""
    from . import migrations

    if sqlite3.sqlite_version_info < MIN_SQLITE:
        raise RuntimeError(f"Hearth needs SQLite {'.'.join(map(str, MIN_SQLITE))} or newer; this Python has "
                           f"{sqlite3.sqlite_version}. Install a Python built with a newer SQLite.")
    pragmas = {**PRAGMAS, "wal_autocheckpoint": 0} if background_checkpoints else PRAGMAS
    db = PooledSqliteDatabase(
        str(path),
        pragmas=pragmas,
        max_connections=64,
        stale_timeout=300,
        timeout=10,
        check_same_thread=False,
    )
    database.initialize(db)
    with db.connection_context():
        migrations.migrate(db)
    return db


def close_database() -> None:
    """Close every pooled connection (at shutdown and between tests)."""
    db = database.obj
    if db is not None:
        db.close_all()


class WalCheckpointer:
    """Moves the write-ahead log into the database file from a native thread of its own.

    SQLite's automatic checkpoint runs inside whichever commit pushes the log past 1,000 pages: that
    commit writes the pages back and syncs the file, 4-30 ms on this machine's disk, and in the
    server it does so on the gevent loop, so every connection waits (the slowest customer -> agent
    deliveries under load lined up with them). Here a passive checkpoint runs every ``interval``
    seconds on a separate connection in a real thread; the sqlite3 module releases the GIL while
    SQLite works, so the loop keeps serving. Passive checkpoints never block writers or readers;
    a reader still on an old snapshot only delays part of the log to the next round. Start it
    after ``open_database(..., background_checkpoints=True)``; ``stop`` runs a last full checkpoint."""

    def __init__(self, path: Path, interval: float = 1.0):
        self.path = Path(path)
        self.interval = interval
        self.rounds = 0          # checkpoints done by the thread
        self._running = False
        self._finished = True    # the thread has returned (or never started)

    def checkpoint(self, mode: str = "PASSIVE") -> tuple[int, int, int]:
        """One checkpoint now: (busy, pages in the log, pages moved into the database file)."""
        if mode not in ("PASSIVE", "FULL", "RESTART", "TRUNCATE"):
            raise ValueError(f"unknown checkpoint mode {mode!r}")
        connection = sqlite3.connect(self.path, timeout=5, isolation_level=None, check_same_thread=False)
        try:
            return tuple(connection.execute(f"PRAGMA wal_checkpoint({mode})").fetchone())
        finally:
            connection.close()

    def _run(self) -> None:
        sleep = _native("time", "sleep")
        try:
            while self._running:
                sleep(self.interval)
                if not self._running:
                    break
                try:
                    self.checkpoint()
                    self.rounds += 1
                except Exception as exc:  # noqa: BLE001 — the next round tries again; the log is only longer meanwhile
                    logger.warning("checkpoint of %s failed: %s", self.path, exc)
        finally:
            self._finished = True

    def start(self) -> "WalCheckpointer":
        if not self._running:
            self._running, self._finished = True, False
            _native("_thread", "start_new_thread")(self._run, ())
        return self

    def stop(self) -> None:
        """Stop the thread (waiting for it, at most ``interval`` plus a checkpoint's time) and move
        the whole log into the file."""
        self._running = False
        sleep, deadline = _native("time", "sleep"), time.monotonic() + self.interval + 10
        while not self._finished and time.monotonic() < deadline:
            sleep(0.01)
        try:
            self.checkpoint("TRUNCATE")
        except sqlite3.Error as exc:
            logger.warning("final checkpoint of %s failed: %s", self.path, exc)


def _native(module: str, name: str) -> Any:
    """``module.name`` as the operating system provides it (a real thread, a sleep that blocks only
    its own thread), even when gevent patched the module."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        import importlib
        return getattr(importlib.import_module(module), name)
    return monkey.get_original(module, name)


class PreparedSelect:
    """A hot SELECT whose SQL text peewee writes once, on first use, instead of on every run
    (writing it is most of a short query's CPU). ``build(*params)`` returns the peewee query for
    those parameter values, which must be its parameters exactly and in order (checked when the
    text is written; keep constants in the query as ``SQL`` literals). Each instance belongs to the
    service that runs it."""

    def __init__(self, model: type, build: Callable[..., Any]):
        self._model = model
        self._build = build
        self._sql: str | None = None

    def _text(self, params: tuple) -> str:
        if self._sql is None:
            # written for stand-in values that differ from each other, so parameters in the wrong
            # order show even when the real ones are equal (user 1 of company 1 on a new install)
            probes = [_probe(value, i) for i, value in enumerate(params)]
            sql, written = self._build(*probes).sql()
            if list(written) != probes:
                raise ValueError(f"the query's parameters {written!r} are not the ones given {probes!r}")
            self._sql = sql
        return self._sql

    def first(self, *params: Any) -> Any:
        """The first row as a ``model`` instance (extra selected columns become attributes), or None."""
        return next(iter(self._model.raw(self._text(params), *params)), None)

    def all(self, *params: Any) -> list[Any]:
        """Every row, each as ``first`` returns one."""
        return list(self._model.raw(self._text(params), *params))


def _probe(value: Any, position: int) -> Any:
    """A stand-in for a parameter, of its type, unlike any other parameter's."""
    if isinstance(value, int) and not isinstance(value, bool):
        return -1_000_003 - position
    if isinstance(value, str):
        return f"\x00parameter {position}"
    return value


class PreparedWrites:
    """INSERTs and UPDATEs of one model whose SQL text peewee writes once per set of columns, not
    on every run (for a short statement that is most of its CPU). ``create`` behaves as
    ``Model.create`` (defaults applied, the new id set on the returned instance) and ``save`` as
    ``instance.save(only=fields)``; both raise peewee's errors (IntegrityError...) as those do.
    The values peewee would send are checked against these on the first run of each statement.
    Each instance belongs to the service that runs it."""

    def __init__(self, model: type):
        self._model = model
        self._fields = model._meta.fields
        self._inserts: dict[tuple[str, ...], str] = {}
        self._updates: dict[tuple[str, ...], str] = {}

    def _params(self, instance: Any, names: tuple[str, ...]) -> list[Any]:
        return [self._fields[name].db_value(instance.__data__.get(name)) for name in names]

    def create(self, **values: Any) -> Any:
        instance = self._model(**values)  # defaults, as Model.create
        pk = self._model._meta.primary_key.name
        names = tuple(name for name in self._fields if name in instance.__data__ and name != pk)
        params = self._params(instance, names)
        sql = self._inserts.get(names)
        if sql is None:
            sql, written = self._model.insert({self._fields[n]: instance.__data__[n] for n in names}).sql()
            _check_params(written, params)
            self._inserts[names] = sql
        cursor = database.execute_sql(sql, params)
        instance.__data__[pk] = cursor.lastrowid
        instance._dirty.clear()
        return instance

    def save(self, instance: Any, fields: Iterable[Any]) -> None:
        wanted = {field.name if hasattr(field, "name") else field for field in fields}
        names = tuple(name for name in self._fields if name in wanted)  # the model's order, as peewee writes them
        if not names:
            return
        pk = self._model._meta.primary_key
        params = [*self._params(instance, names), pk.db_value(instance.__data__[pk.name])]
        sql = self._updates.get(names)
        if sql is None:
            sql, written = (self._model.update({self._fields[n]: instance.__data__.get(n) for n in names})
                            .where(pk == instance.__data__[pk.name]).sql())
            _check_params(written, params)
            self._updates[names] = sql
        database.execute_sql(sql, params)
        instance._dirty.difference_update(names)


def _check_params(written: list[Any], params: list[Any]) -> None:
    if list(written) != list(params):
        raise ValueError(f"peewee would send {written!r}, not {params!r}")

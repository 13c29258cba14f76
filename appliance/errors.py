"""The errors a person can be shown. One handler (web/errors.py) turns them into JSON."""
from __future__ import annotations


class HearthError(Exception):
    """An expected failure with a message that says what happened and what to do next."""

    status = 400
    code = "invalid_input"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields

    def to_dict(self) -> dict:
        error = {"status": self.status, "code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = self.fields
        if getattr(self, "retry_after", None):
            error["retry_after"] = self.retry_after
        return {"error": error}


class BadRequest(HearthError):
    status = 422
    code = "invalid_input"

    @classmethod
    def field(cls, name: str, problem: str) -> "BadRequest":
        return cls(f"{name}: {problem}", fields={name: [problem]})


class Unauthorized(HearthError):
    status = 401
    code = "unauthorized"


class Forbidden(HearthError):
    status = 403
    code = "forbidden"


class NotFound(HearthError):
    status = 404
    code = "not_found"


class Conflict(HearthError):
    status = 409
    code = "conflict"


class UnsupportedMediaType(HearthError):
    status = 415
    code = "unsupported_media_type"


class StorageBusy(HearthError):
    """The database stayed locked longer than its busy timeout: nothing was written; try again."""

    status = 503
    code = "busy"
    retry_after = 2


class StorageFull(HearthError):
    """The disk holding the data dir is full: the write was rolled back, nothing half-written."""

    status = 507
    code = "storage_full"


def storage_error(exc: BaseException) -> HearthError | None:
    """The person-readable error for a failure of the disk or the database, or None for anything else.

    SQLite rolls a failed statement's transaction back, so in both cases nothing was written.
    """
    # SQLite rolls a transaction back by itself on a full disk; peewee's own ROLLBACK then fails with
    # "no transaction is active" and the real cause is that error's context.
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        found = _storage_error(exc)
        if found is not None:
            return found
        exc = exc.__cause__ or exc.__context__
    return None


def _storage_error(exc: BaseException) -> HearthError | None:
    import errno
    import sqlite3

    import peewee

    text = str(exc).lower()
    if isinstance(exc, (peewee.OperationalError, sqlite3.OperationalError)):
        if "locked" in text or "busy" in text:
            return StorageBusy("Hearth's database is busy with another task; nothing was saved — try again in a moment")
        if "disk is full" in text or "database or disk is full" in text:
            return StorageFull("The disk holding Hearth's data is full; nothing was saved — free some space and try again")
        if "disk i/o error" in text:
            return StorageFull("Hearth could not write to its data disk (I/O error; is it full or removed?); "
                               "nothing was saved — check the disk and try again")
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull("The disk holding Hearth's data is full; nothing was saved — free some space and try again")
    return None

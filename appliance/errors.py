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

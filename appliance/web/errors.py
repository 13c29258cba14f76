"""One place that turns every failure into the JSON error a client can act on."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from flask_smorest import Api
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..errors import HearthError, storage_error
from .schemas import ErrorOut

logger = logging.getLogger(__name__)

_CODES = {400: "invalid_input", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid_input",
          429: "rate_limited"}


def _flatten(errors, prefix: str = "") -> dict[str, list[str]]:
    """webargs' nested {"json": {"settings": {"widget_color": [...]}}} → {"settings.widget_color": [...]}.
    A ``_schema`` error belongs to the object it sits in ({"settings": {"_schema": [...]}} → "settings"),
    and an item's to its list ({"member_ids": {1: [...]}} → "member_ids": no form shows a field "1")."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            outer = key == "_schema" or isinstance(key, int) or (key in ("json", "query") and not prefix)
            for name, problems in _flatten(value, prefix if outer else f"{prefix}{key}.").items():
                known = flat.setdefault(name, [])
                known += [problem for problem in problems if problem not in known]
    elif isinstance(errors, list) and errors and all(isinstance(e, str) for e in errors):
        flat[prefix.rstrip(".") or "request"] = errors
    elif isinstance(errors, list):
        for i, value in enumerate(errors):
            flat.update(_flatten(value, f"{prefix}{i}."))
    return flat


def _body(status: int, message: str, fields: dict | None = None, code: str | None = None):
    error = {"status": status, "code": code or _CODES.get(status, "error"), "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


class HearthApi(Api):
    """flask-smorest's Api with Hearth's error shape (in the answers and in the OpenAPI description)."""

    ERROR_SCHEMA = ErrorOut

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        fields = _flatten(data.get("messages") or data.get("errors") or {}) or None
        if fields:
            if fields.keys() == {"request"}:
                message = fields.pop("request")[0]
                fields = None
            else:  # every field that needs fixing, not only the first
                message = "; ".join(f"{name}: {problems[0]}" for name, problems in fields.items())
        elif error.code == 413:
            limit = request.max_content_length
            setting = "max_upload_bytes" if request.endpoint == "articles.import_articles" else "max_request_bytes"
            message = (f"the request is larger than the {limit / 1024 / 1024:g} MB Hearth accepts here; send less, "
                       f"or raise the {setting} setting" if limit else "the request is too large")
        else:
            message = data.get("message") or error.description or error.name
        status = error.code or 500
        if status == 400 and fields:
            status = 422
        return _body(status, message, fields), status, data.get("headers", {})


def init_app(app: Flask) -> None:
    @app.errorhandler(HearthError)
    def hearth_error(error: HearthError):
        headers = {"Retry-After": str(error.retry_after)} if getattr(error, "retry_after", None) else {}
        return jsonify(error.to_dict()), error.status, headers

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = f"CSRF check failed ({error.description}); send the csrf_token from login as the X-CSRF-Token header"
        return jsonify(_body(403, message, code="csrf_failed")), 403

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return error
        if isinstance(error, RecursionError) and "decoding a JSON" in str(error):  # a body nested thousands deep
            return jsonify(_body(400, "the JSON body is nested too deeply; send at most a few levels of objects "
                                      "and lists")), 400
        if isinstance(error, OverflowError):  # a number too large for SQLite that no check caught
            logger.warning("%s %s: %s", request.method, request.path, error)
            return jsonify(_body(422, "a number in the request is too large")), 422
        storage = storage_error(error)
        if storage is not None:
            logger.error("%s %s: %s (%s)", request.method, request.path, storage.code, error)
            return hearth_error(storage)
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify(_body(500, "Hearth hit an unexpected error; it has been logged", code="internal_error")), 500

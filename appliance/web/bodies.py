"""Request bodies under /api/: JSON, or refused with a message that says what to send.

Every write route takes a JSON body except the file upload (multipart). A body sent as a form or as
plain text used to reach the routes as "no fields", so a PATCH answered 200 and changed nothing.
The body is a JSON object: null, a list, a string or a number is refused here for every route alike,
by its first character (the routes parse the JSON; a document nested too deeply is answered in
errors.py)."""
from __future__ import annotations

import re

from flask import Flask, request

from ..errors import BadRequest, HearthError, UnsupportedMediaType

WRITES = ("POST", "PUT", "PATCH")
FILE_UPLOADS = {"articles.import_articles"}  # multipart: field "files"
_FIRST_CHARACTER = re.compile(rb"[ \t\r\n]*([^ \t\r\n])")  # of a JSON document, after its whitespace


def init_app(app: Flask) -> None:
    @app.before_request
    def _json_body():
        if (request.method not in WRITES or not request.path.startswith("/api/")
                or request.endpoint in FILE_UPLOADS or not _has_body()):
            return
        if not request.is_json:
            raise UnsupportedMediaType("send the request body as JSON, with the header Content-Type: application/json "
                                       f"(this request's is {request.mimetype or 'missing'})")
        first = _FIRST_CHARACTER.match(request.get_data(cache=True))  # kept for the route that parses it
        if first and first[1] != b"{":
            raise BadRequest('the request body must be a JSON object, like {"name": "value"} (send {} for no '
                             "fields)")


def _has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def init_parts_check(app: Flask) -> None:
    """Refuse a multipart body with a part that has no name. Registered before CSRF protection, which
    reads the form's field names (and failed on a nameless part with a logged 500)."""
    @app.before_request
    def _named_parts():
        if request.method in WRITES and request.mimetype == "multipart/form-data" and (
                None in request.form or None in request.files):
            raise HearthError('every part of a multipart body needs a name (Content-Disposition: form-data; '
                             'name="files"; filename="…")')

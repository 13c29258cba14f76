"""The pages people open: the agent console, the customer chat, the embed script, health."""
from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, jsonify, redirect, request, send_from_directory

from .. import __version__, serializers
from ..errors import NotFound
from ..migrations import SCHEMA_VERSION
from ..resources import webui_dir

bp = Blueprint("pages", __name__)

# Scripts only from Hearth itself; no inline script anywhere.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}")


@bp.get("/")
def index():
    return redirect("/console")


@bp.get("/console")
def console():
    return send_from_directory(webui_dir() / "console", "index.html", max_age=0)


@bp.get("/chat/<slug>")
def chat(slug: str):
    try:
        current_app.extensions["hearth"].companies.by_slug(slug)
    except NotFound:
        return ("<!doctype html><title>Chat not found</title><p>This chat does not exist. "
                "Check the address with the shop.</p>", 404, {"Content-Type": "text/html; charset=utf-8"})
    return send_from_directory(webui_dir() / "widget", "chat.html", max_age=0)


@bp.get("/widget.js")
def widget_js():
    return _open_to_any_site(send_from_directory(webui_dir() / "widget", "embed.js", max_age=300))


@bp.get("/chat/<slug>/look.json")
def widget_look(slug: str):
    """The company's chat bubble as the embed script draws it on the shop's pages. Every page view asks:
    cached, but checked each time (a 304 while unchanged), so a new colour shows on the next page."""
    try:
        company = current_app.extensions["hearth"].companies.by_slug(slug)
    except NotFound:
        unknown = NotFound(f"no chat for the company {slug!r}: check data-company in the embed snippet "
                           "(the console shows it under Admin → Settings)")
        response = jsonify(unknown.to_dict())
        response.status_code = unknown.status
    else:
        response = jsonify(serializers.widget_look(company))
        response.add_etag()
    response.cache_control.public = True
    response.cache_control.no_cache = True
    return _open_to_any_site(response.make_conditional(request))


def _open_to_any_site(response: Response) -> Response:
    """Any shop's page may load what the embed script needs (without cookies: nothing here reads them)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/ui/<path:filename>")
def ui_file(filename: str):
    return send_from_directory(webui_dir(), filename, max_age=300)


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(webui_dir(), "favicon.svg", mimetype="image/svg+xml", max_age=86400)


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok", "version": __version__, "schema_version": SCHEMA_VERSION})


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.after_request
    def security_headers(response):
        embeddable = request.path.startswith("/chat/")
        response.headers.setdefault("Content-Security-Policy", CSP.format(ancestors="*" if embeddable else "'self'"))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not embeddable:
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response

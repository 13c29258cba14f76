"""HTTP API for knowledge-base articles."""
from __future__ import annotations

from flask import Flask, g, request
from marshmallow import Schema, fields
from flask_smorest import Blueprint

from .. import serializers
from .auth import login_required, services
from .schemas import ArticleIn, ArticleListOut, ArticleOut, ArticleQuery

blp = Blueprint("articles", __name__, url_prefix="/api/v1/articles", description="Knowledge-base articles")


@blp.route("", methods=["GET"])
@blp.arguments(ArticleQuery(), location="query")
@blp.response(200, ArticleListOut)
@login_required
def list_articles(args):
    """The company's articles, recently edited first; q searches titles and bodies."""
    items, total = services().articles.list(g.company, q=args.get("q"), limit=args["limit"], offset=args["offset"])
    return {"items": [serializers.article(a) for a in items], "total": total}


@blp.route("", methods=["POST"])
@blp.arguments(ArticleIn())
@blp.response(201, ArticleOut)
@login_required
def create_article(payload):
    """Write a new article."""
    return serializers.article(services().articles.create(g.company, g.user, **payload))


class ImportOut(Schema):
    job_id = fields.String()


@blp.route("/import", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["files"],
    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"},
                             "description": "md, html, txt, pdf or jsonl files"}}}}}})
@blp.response(202, ImportOut)
@login_required
def import_articles():
    """Upload files (multipart field "files": md, html, txt, pdf, jsonl) to import in the background;
    progress arrives on the /agent socket as `import_progress` events."""
    hearth = services()
    uploads = [(f.filename or "", f.read()) for f in request.files.getlist("files")]
    job_id, folder = hearth.importer.save_upload(g.company, uploads, hearth.settings.path / "imports")
    hearth.spawn(hearth.importer.run_upload, g.company.id, g.user.id, job_id, folder)
    return {"job_id": job_id}


def init_upload_limit(app: Flask) -> None:
    """Uploads may be larger than other requests. Registered before CSRF protection, which reads
    the form (and so the body) before any view runs."""
    @app.before_request
    def _upload_limit():
        if request.endpoint == "articles.import_articles":
            request.max_content_length = services().settings.max_upload_bytes


@blp.route("/<int:article_id>", methods=["GET"])
@blp.response(200, ArticleOut)
@login_required
def get_article(article_id):
    """One article."""
    return serializers.article(services().articles.get(g.company, article_id))


@blp.route("/<int:article_id>", methods=["PUT"])
@blp.arguments(ArticleIn())
@blp.response(200, ArticleOut)
@login_required
def update_article(payload, article_id):
    """Replace an article's title, body, tags and published flag."""
    return serializers.article(services().articles.update(g.company, g.user, article_id, **payload))


@blp.route("/<int:article_id>", methods=["DELETE"])
@blp.response(204)
@login_required
def delete_article(article_id):
    """Delete an article."""
    services().articles.delete(g.company, g.user, article_id)

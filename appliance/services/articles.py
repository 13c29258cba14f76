"""Knowledge-base articles: what the desk (and soon the AI) answers from."""
from __future__ import annotations

from typing import Any

from .. import events
from ..db import database
from ..domain.models import Article, Company, User
from ..errors import BadRequest, NotFound
from .base import Service, clean_text, is_row_id

MAX_TAGS = 20


class ArticleService(Service):
    def list(self, company: Company, *, q: str | None = None, limit: int = 200,
             offset: int = 0) -> tuple[list[Article], int]:
        query = Article.select().where(Article.company == company)
        if q:
            q = clean_text(q, "q", 200, multiline=False)
            # contains() escapes LIKE's wildcards: "%" or "_" is text to find, not "anything"
            query = query.where(Article.title.contains(q) | Article.body.contains(q))
        return list(query.order_by(Article.updated_at.desc(), Article.id.desc()).limit(limit).offset(offset)), query.count()

    def get(self, company: Company, article_id: Any) -> Article:
        article = None
        if is_row_id(article_id):
            article = Article.get_or_none((Article.id == article_id) & (Article.company == company))
        if article is None:
            raise NotFound(f"no article {article_id} in your company")
        return article

    def clean(self, title: Any, body: Any, tags: Any, published: Any) -> dict[str, Any]:
        """An article's fields checked and normalised, or BadRequest naming the field."""
        if tags is None:
            tags = []
        if not isinstance(tags, list) or len(tags) > MAX_TAGS:
            raise BadRequest.field("tags", f"must be a list of at most {MAX_TAGS} tags")
        clean_tags = []
        for tag in tags:
            tag = clean_text(tag, "tags", 40, multiline=False).lower()
            if tag not in clean_tags:
                clean_tags.append(tag)
        if not isinstance(published, bool):
            raise BadRequest.field("published", "must be true or false")
        return {
            "title": clean_text(title, "title", 200, multiline=False),
            "body": clean_text(body, "body", self.settings.max_article_length),
            "tags": clean_tags,
            "published": published,
        }

    def create(self, company: Company, actor: User | None, *, title: Any, body: Any, tags: Any = None,
               published: Any = True) -> Article:
        values = self.clean(title, body, tags, published)
        now = self.clock()
        with database.atomic():
            article = Article.create(company=company, created_by=actor, created_at=now, updated_at=now, **values)
            self.audit(company, actor, "article.created", "article", article.id, title=values["title"])
        self.bus.publish(events.ARTICLE_CHANGED, company_id=company.id, article_id=article.id, deleted=False)
        return article

    def update(self, company: Company, actor: User | None, article_id: Any, *, title: Any, body: Any,
               tags: Any = None, published: Any = True) -> Article:
        article = self.get(company, article_id)
        values = self.clean(title, body, tags, published)
        with database.atomic():
            # The version goes up in the same statement that writes the text, so concurrent edits never
            # share one: the indexer relies on it to tell which text is the latest.
            changed = (Article.update(**values, updated_at=self.clock(), version=Article.version + 1)
                       .where(Article.id == article.id).execute())
            if not changed:
                raise NotFound(f"no article {article_id} in your company")
            article = Article.get_by_id(article.id)
            self.audit(company, actor, "article.updated", "article", article.id, title=values["title"])
        self.bus.publish(events.ARTICLE_CHANGED, company_id=company.id, article_id=article.id, deleted=False)
        return article

    def delete(self, company: Company, actor: User | None, article_id: Any) -> None:
        article = self.get(company, article_id)
        with database.atomic():
            article.delete_instance()
            self.audit(company, actor, "article.deleted", "article", article_id, title=article.title)
        self.bus.publish(events.ARTICLE_CHANGED, company_id=company.id, article_id=article_id, deleted=True)

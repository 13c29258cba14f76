"""Bringing many articles in at once (files, folders, kb.jsonl), indexed in batches."""
from __future__ import annotations

from typing import Callable, Iterable

from ..db import database
from ..domain.models import Article, Company, User
from ..kb_import import ImportedArticle
from .articles import ArticleService
from .knowledge import KnowledgeService

BATCH = 64


class ImportService:
    def __init__(self, articles: ArticleService, knowledge: KnowledgeService):
        self.articles = articles
        self.knowledge = knowledge

    def import_articles(self, company: Company, actor: User | None, records: Iterable[ImportedArticle],
                        progress: Callable[[int], None] | None = None) -> int:
        """Store and index articles in batches; each batch is all-or-nothing, and one with a bad
        article stores none of it. Returns how many were imported."""
        imported = 0
        batch: list[ImportedArticle] = []
        for record in records:
            batch.append(record)
            if len(batch) == BATCH:
                imported += self._import_batch(company, actor, batch, progress)
                batch = []
        if batch:
            imported += self._import_batch(company, actor, batch, progress)
        return imported

    def _import_batch(self, company, actor, batch, progress) -> int:
        cleaned = [self.articles.clean(title=r.title, body=r.body, tags=r.tags[:20], published=True) for r in batch]
        now = self.articles.clock()
        with database.atomic():
            created = [Article.create(company=company, created_by=actor, created_at=now, updated_at=now, **values)
                       for values in cleaned]
            self.articles.audit(company, actor, "articles.imported", "article", None, count=len(created),
                                sources=[r.source for r in batch][:10])
        self.knowledge.index_articles(created)
        self.knowledge.changed(company.id)
        if progress:
            progress(len(created))
        return len(created)

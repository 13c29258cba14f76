"""Keeping a company's knowledge indexes in step with its articles (SQLite is the source of truth)."""
from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Callable

from .. import events
from ..db import database
from ..domain.models import Article, ArticleChunk, Company
from ..events import EventBus
from ..offload import run_blocking
from ..rag.chunking import chunk_article
from ..rag.embedder import Embedder
from ..rag.keyword import KeywordIndex
from ..rag.vectors import VectorStore
from ..settings import Settings
from .base import Service

logger = logging.getLogger(__name__)

EMBED_BATCH = 512  # texts per call: the embedder sorts by length, and bigger sets pad far less


def embedding_text(title: str, heading: str, text: str) -> str:
    return "\n".join(part for part in (title, heading, text) if part)


class KnowledgeService(Service):
    def __init__(self, settings: Settings, bus: EventBus, clock: Callable[[], datetime], *,
                 embedder: Embedder, vectors: VectorStore, keywords: KeywordIndex):
        super().__init__(settings, bus, clock)
        self.embedder = embedder
        self.vectors = vectors
        self.keywords = keywords
        self.index_lock = threading.RLock()  # held while the vector files change; a backup copies them under it
        bus.subscribe(events.ARTICLE_CHANGED, self._on_article_changed)

    def _on_article_changed(self, _name: str, event: dict) -> None:
        if event["deleted"]:
            self.remove_article(event["company_id"], event["article_id"])
        else:
            article = Article.get_or_none(Article.id == event["article_id"])
            if article is not None:
                self.index_articles([article])
        self.changed(event["company_id"])

    def changed(self, company_id: int) -> None:
        """Tell listeners (the answer cache) that this company's knowledge changed."""
        self.bus.publish(events.KNOWLEDGE_CHANGED, company_id=company_id)

    def index_articles(self, articles: list[Article]) -> int:
        """(Re)index these articles of one company: chunks, keyword rows and vectors. Returns chunks written."""
        if not articles:
            return 0
        company_id = articles[0].company_id
        planned = []
        for article in articles:
            chunks = chunk_article(article.title, article.body) if article.published else []
            planned.append((article, chunks))
        texts = [c.text if c.is_title else embedding_text(a.title, c.heading, c.text)
                 for a, chunks in planned for c in chunks]
        vectors = self._embed(texts)
        chunk_ids, article_ids = [], []
        old_ids = [c.id for c in ArticleChunk.select(ArticleChunk.id)
                   .where(ArticleChunk.article.in_([a.id for a, _ in planned]))]
        with database.atomic():
            for article, chunks in planned:
                ArticleChunk.delete().where(ArticleChunk.article == article.id).execute()
                rows = []
                for chunk in chunks:
                    row = ArticleChunk.create(company=company_id, article=article.id, position=chunk.position,
                                              heading=chunk.heading[:200], text=chunk.text)
                    rows.append((row.id, chunk.heading, chunk.text))
                    chunk_ids.append(row.id)
                    article_ids.append(article.id)
                self.keywords.replace_article(company_id, article.id, article.title, rows)
        with self.index_lock:
            self.vectors.remove_ids(company_id, old_ids)
            self.vectors.upsert(company_id, chunk_ids, article_ids, vectors)
        return len(chunk_ids)

    def _embed(self, texts: list[str]):
        import numpy as np

        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        parts = [run_blocking(self.embedder.embed, texts[i:i + EMBED_BATCH]) for i in range(0, len(texts), EMBED_BATCH)]
        return np.vstack(parts)

    def remove_article(self, company_id: int, article_id: int) -> None:
        with database.atomic():
            ArticleChunk.delete().where(ArticleChunk.article == article_id).execute()
            self.keywords.remove_article(company_id, article_id)
        with self.index_lock:
            self.vectors.remove_article(company_id, article_id)

    def reindex(self, company: Company, progress: Callable[[int, int], None] | None = None,
                batch: int = 32) -> int:
        """Rebuild both indexes of a company from its articles in SQLite."""
        with database.atomic():
            ArticleChunk.delete().where(ArticleChunk.company == company).execute()
            self.keywords.remove_company(company.id)
        with self.index_lock:
            self.vectors.remove_company(company.id)
        ids = [a.id for a in Article.select(Article.id).where(Article.company == company).order_by(Article.id)]
        written = 0
        for start in range(0, len(ids), batch):
            articles = list(Article.select().where(Article.id.in_(ids[start:start + batch])).order_by(Article.id))
            written += self.index_articles(articles)
            if progress:
                progress(min(start + batch, len(ids)), len(ids))
        self.changed(company.id)
        return written

    def in_step(self, company: Company) -> bool:
        """Do both indexes hold exactly the chunks SQLite has for this company?"""
        expected = ArticleChunk.select().where(ArticleChunk.company == company).count()
        return self.keywords.count(company.id) == expected and self.vectors.count(company.id) == expected

    def repair(self) -> list[str]:
        """Reindex every company whose indexes drifted from SQLite (e.g. after a crash); their slugs."""
        repaired = []
        for company in Company.select():
            if not self.in_step(company):
                logger.warning("knowledge index of %s out of step with the database: rebuilding", company.slug)
                self.reindex(company)
                repaired.append(company.slug)
        return repaired

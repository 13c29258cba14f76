"""Keeping a company's knowledge indexes in step with its articles (SQLite is the source of truth)."""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterator, Sequence

import numpy as np

from .. import events
from ..db import database
from ..domain.models import Article, ArticleChunk, Company
from ..events import EventBus
from ..offload import run_blocking
from ..rag.chunking import Chunk, chunk_article
from ..rag.embedder import Embedder
from ..rag.keyword import KeywordIndex
from ..rag.vectors import VectorStore
from ..settings import Settings
from .base import Service

logger = logging.getLogger(__name__)

EMBED_BATCH = 512  # texts per call: the embedder sorts by length, and bigger sets pad far less
MIN_SLICE = 128    # texts per call at least when an import embeds in slices to report progress
INDEX_ROUNDS = 5   # times an article edited during its own indexing is embedded again before its next edit's turn
REPAIR_BATCH = 32


def embedding_text(title: str, heading: str, text: str) -> str:
    return "\n".join(part for part in (title, heading, text) if part)


@dataclass
class Passages:
    """An article's chunks and their vectors, worked out before anything is written."""

    chunks: list[Chunk]
    vectors: np.ndarray


class IndexWriter:
    """Replaces articles' chunk and keyword rows inside the caller's transaction and collects the
    vector changes, which ``KnowledgeService.writing`` applies once that transaction has committed."""

    def __init__(self, company_id: int, keywords: KeywordIndex):
        self.company_id = company_id
        self.keywords = keywords
        self.old_ids: list[int] = []
        self.new_ids: list[int] = []
        self.article_ids: list[int] = []
        self.vectors: list[np.ndarray] = []
        self.removed: list[int] = []

    def write(self, article: Article, passages: Passages) -> None:
        """The article's passages, cut from its text at ``article.version``, replace the ones it had."""
        self.old_ids += [c.id for c in ArticleChunk.select(ArticleChunk.id).where(ArticleChunk.article == article.id)]
        ArticleChunk.delete().where(ArticleChunk.article == article.id).execute()
        rows = []
        for chunk in passages.chunks:
            row = ArticleChunk.create(company=self.company_id, article=article.id, position=chunk.position,
                                      heading=chunk.heading[:200], text=chunk.text, article_version=article.version)
            rows.append((row.id, chunk.heading, chunk.text))
            self.new_ids.append(row.id)
            self.article_ids.append(article.id)
        self.vectors.append(passages.vectors)
        self.keywords.replace_article(self.company_id, article.id, article.title, rows)

    def remove(self, article_id: int) -> None:
        """A deleted article's passages go too."""
        ArticleChunk.delete().where(ArticleChunk.article == article_id).execute()
        self.keywords.remove_article(self.company_id, article_id)
        self.removed.append(article_id)


class KnowledgeService(Service):
    def __init__(self, settings: Settings, bus: EventBus, clock: Callable[[], datetime], *,
                 embedder: Embedder, vectors: VectorStore, keywords: KeywordIndex):
        super().__init__(settings, bus, clock)
        self.embedder = embedder
        self.vectors = vectors
        self.keywords = keywords
        # Held while the indexes change (a backup copies the vector files under it). Every write to the
        # chunks and then the vectors happens under it, so the vector store sees them in SQLite's order.
        self.index_lock = threading.RLock()
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

    def passages(self, contents: Sequence[tuple[str, str, bool]], progress: Callable[[int], None] | None = None,
                 slices: int = 1) -> list[Passages]:
        """Chunk and embed articles given as ``(title, body, published)``; slow, and writes nothing.

        The texts are embedded in about ``slices`` calls of whole articles (each of MIN_SLICE to
        EMBED_BATCH texts: smaller calls pad less well and cost time), and ``progress(n)`` is called
        after each with the number of articles it finished."""
        planned = [chunk_article(title, body) if published else [] for title, body, published in contents]
        total = sum(len(chunks) for chunks in planned)
        step = min(EMBED_BATCH, max(MIN_SLICE, -(-total // max(1, slices))))
        result: list[Passages] = []
        start = 0
        while start < len(planned):
            end, size = start, 0
            while end < len(planned) and (end == start or size + len(planned[end]) <= step):
                size += len(planned[end])
                end += 1
            texts = [c.text if c.is_title else embedding_text(contents[i][0], c.heading, c.text)
                     for i in range(start, end) for c in planned[i]]
            vectors = self._embed(texts)
            offset = 0
            for chunks in planned[start:end]:
                result.append(Passages(chunks, vectors[offset:offset + len(chunks)]))
                offset += len(chunks)
            if progress:
                progress(end - start)
            start = end
        return result

    @contextmanager
    def writing(self, company_id: int) -> Iterator[IndexWriter]:
        """One transaction, taking SQLite's write lock at once, in which articles and their chunks and
        keyword rows are stored together; the vector changes follow once it has committed."""
        with self.index_lock:
            writer = IndexWriter(company_id, self.keywords)
            with database.atomic(lock_type="IMMEDIATE"):
                yield writer
            self.vectors.remove_ids(company_id, writer.old_ids)
            for article_id in writer.removed:
                self.vectors.remove_article(company_id, article_id)
            if writer.new_ids:
                self.vectors.upsert(company_id, writer.new_ids, writer.article_ids, np.vstack(writer.vectors))

    def index_articles(self, articles: list[Article]) -> int:
        """(Re)index these articles of one company: chunks, keyword rows and vectors. Returns chunks written.

        Embedding yields (it runs in a thread), so the article may be edited meanwhile: its passages are
        written only if it is still at the version they were cut from, else it is embedded again from its
        new text. The index therefore never ends at an older text than the article's."""
        if not articles:
            return 0
        company_id = articles[0].company_id
        written = 0
        pending = articles
        for _ in range(INDEX_ROUNDS):
            passages = self.passages([(a.title, a.body, a.published) for a in pending])
            stale = []
            with self.writing(company_id) as writer:
                current = dict(Article.select(Article.id, Article.version)
                               .where(Article.id.in_([a.id for a in pending])).tuples())
                for article, found in zip(pending, passages):
                    if article.id not in current:
                        continue  # deleted meanwhile; its passages went with it
                    if current[article.id] != article.version:
                        stale.append(article.id)
                    else:
                        writer.write(article, found)
            written += len(writer.new_ids)
            if not stale:
                return written
            pending = list(Article.select().where(Article.id.in_(stale)).order_by(Article.id))
        logger.info("%d article(s) still being edited; their latest edit indexes them", len(pending))
        return written

    def _embed(self, texts: list[str]):
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        parts = [run_blocking(self.embedder.embed, texts[i:i + EMBED_BATCH]) for i in range(0, len(texts), EMBED_BATCH)]
        return np.vstack(parts)

    def remove_article(self, company_id: int, article_id: int) -> None:
        with self.writing(company_id) as writer:
            writer.remove(article_id)

    def reindex(self, company: Company, progress: Callable[[int, int], None] | None = None,
                batch: int = 32) -> int:
        """Rebuild both indexes of a company from its articles in SQLite."""
        with self.index_lock:
            with database.atomic():
                ArticleChunk.delete().where(ArticleChunk.company == company).execute()
                self.keywords.remove_company(company.id)
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

    def drifted(self, company: Company) -> list[int]:
        """Articles whose chunks in SQLite do not match them: published without any, unpublished with
        some, or cut from an older version (an import or edit cut off before its indexing was stored)."""
        rows = database.execute_sql(
            "SELECT a.id FROM article a WHERE a.company_id = ? AND ("
            " (a.published AND NOT EXISTS (SELECT 1 FROM article_chunk c WHERE c.article_id = a.id))"
            " OR EXISTS (SELECT 1 FROM article_chunk c WHERE c.article_id = a.id"
            "            AND (NOT a.published OR c.article_version != a.version))) ORDER BY a.id", (company.id,))
        return [article_id for (article_id,) in rows.fetchall()]

    def in_step(self, company: Company) -> bool:
        """Does every article have the chunks of its current text, and do both indexes hold exactly them
        (the same chunk ids, not only as many: an edit cut off between SQLite and Chroma swaps ids)?"""
        if self.drifted(company):
            return False
        expected = {c.id for c in ArticleChunk.select(ArticleChunk.id).where(ArticleChunk.company == company)}
        return self.keywords.ids(company.id) == expected and self.vectors.ids(company.id) == expected

    def repair(self) -> list[str]:
        """Bring every company's indexes back in step with SQLite (e.g. after a crash); their slugs.
        Articles whose chunks drifted are indexed again; indexes whose counts differ are rebuilt."""
        repaired = []
        for company in Company.select():
            drifted = self.drifted(company)
            if drifted:
                logger.warning("%d article(s) of %s lack passages of their current text: indexing them",
                               len(drifted), company.slug)
                for start in range(0, len(drifted), REPAIR_BATCH):
                    self.index_articles(list(Article.select().where(Article.id.in_(drifted[start:start + REPAIR_BATCH]))
                                             .order_by(Article.id)))
            rebuild = not self.in_step(company)
            if rebuild:
                logger.warning("knowledge index of %s out of step with the database: rebuilding", company.slug)
                self.reindex(company)
            elif drifted:
                self.changed(company.id)
            if drifted or rebuild:
                repaired.append(company.slug)
        return repaired

"""Hybrid retrieval: semantic (Chroma) and keyword (FTS5 BM25) search, fused per article."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..domain.models import Article, ArticleChunk
from ..offload import run_blocking
from .embedder import Embedder
from .keyword import KeywordIndex, query_terms
from .vectors import VectorStore

MODES = ("hybrid", "semantic", "bm25")
CANDIDATES = 50


@dataclass
class Hit:
    """One article as retrieval ranks it, with its best chunk."""

    article_id: int
    title: str
    chunk_id: int
    text: str
    score: float                 # the fused score used for ranking
    semantic: float = 0.0        # best cosine similarity of any of its chunks
    keyword: float = 0.0         # its best BM25 score relative to the best in this search (0..1)


@dataclass
class Retrieval:
    question: str
    mode: str
    hits: list[Hit] = field(default_factory=list)
    keyword_coverage: float = 0.0   # share of the question's terms found in the top article


class Retriever:
    """Ranks a company's articles for a question. In hybrid mode semantic similarity ranks and BM25
    breaks exact ties and adds candidates the vector search missed (ranked below every semantic
    match). On the evaluation sets (StackFAQ, BANKING77) every BM25 bonus tried — fixed weights
    0.02-0.1, bonuses only among near-tied articles, z-score mixes, reciprocal rank fusion — cost
    recall@1 against semantic alone, so ``keyword_weight`` defaults to 0; BM25's per-article
    score is still reported on each hit (``keyword``) for the confidence model and for display."""

    def __init__(self, embedder: Embedder, vectors: VectorStore, keywords: KeywordIndex,
                 keyword_weight: float = 0.0):
        self.embedder = embedder
        self.vectors = vectors
        self.keywords = keywords
        self.keyword_weight = keyword_weight

    def embed_query(self, text: str) -> np.ndarray:
        return run_blocking(self.embedder.embed, [text])[0]

    def search(self, company_id: int, question: str, *, k: int = 5, mode: str = "hybrid",
               query_vector: np.ndarray | None = None) -> Retrieval:
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}")
        semantic: dict[int, float] = {}
        keyword: dict[int, float] = {}
        if mode in ("hybrid", "semantic"):
            vector = self.embed_query(question) if query_vector is None else query_vector
            semantic = dict(self.vectors.search(company_id, vector, CANDIDATES))
        if mode in ("hybrid", "bm25"):
            raw = self.keywords.search(company_id, question, CANDIDATES)
            top = raw[0][1] if raw and raw[0][1] > 0 else 1.0
            keyword = {chunk_id: max(score, 0.0) / top for chunk_id, score in raw}
        chunk_ids = set(semantic) | set(keyword)
        if not chunk_ids:
            return Retrieval(question, mode)
        chunks = {c.id: c for c in ArticleChunk.select(ArticleChunk.id, ArticleChunk.article, ArticleChunk.text)
                  .where(ArticleChunk.id.in_(list(chunk_ids)) & (ArticleChunk.company == company_id))}
        best: dict[int, Hit] = {}
        for chunk_id in chunk_ids:
            chunk = chunks.get(chunk_id)
            if chunk is None:  # an index row for a chunk that no longer exists (repaired at start-up)
                continue
            sem, kw = semantic.get(chunk_id, 0.0), keyword.get(chunk_id, 0.0)
            score = {"semantic": sem, "bm25": kw}.get(mode, sem + self.keyword_weight * kw)
            hit = best.get(chunk.article_id)
            if hit is None:
                best[chunk.article_id] = Hit(chunk.article_id, "", chunk_id, chunk.text, score, sem, kw)
            else:
                hit.semantic, hit.keyword = max(hit.semantic, sem), max(hit.keyword, kw)
                if score > hit.score:
                    hit.score, hit.chunk_id, hit.text = score, chunk_id, chunk.text
        # ties (equal scores, e.g. several BM25-only candidates at 0) are broken by BM25, then semantic
        hits = sorted(best.values(), key=lambda h: (h.score, h.keyword, h.semantic), reverse=True)[:k]
        titles = dict(Article.select(Article.id, Article.title).where(Article.id.in_([h.article_id for h in hits]))
                      .tuples())
        for hit in hits:
            hit.title = titles.get(hit.article_id, "")
        result = Retrieval(question, mode, hits)
        if hits:
            terms = query_terms(question)
            if terms:
                haystack = f"{hits[0].title} {hits[0].text}".lower()
                result.keyword_coverage = sum(1 for t in terms if t in haystack) / len(terms)
        return result

"""Hybrid retrieval: semantic (Chroma) and keyword (FTS5 BM25) search, fused per article."""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from peewee import fn

from ..domain.models import Article, ArticleChunk
from ..offload import run_blocking
from .embedder import Embedder
from .keyword import STOPWORDS, TOKEN_RE, KeywordIndex, query_terms
from .vectors import VectorStore

MODES = ("hybrid", "semantic", "bm25")
CANDIDATES = 50

# Conversation topic (hybrid mode, multi-turn only). Many knowledge bases title their articles
# "Subject: question" ("Acme Router X2: resetting the password", "Hotel Lyra: guest review 3"), so
# articles sharing a title prefix form a topic group. A follow-up ("does it have a big room?")
# rarely names its subject; the conversation usually did a turn or two earlier, often in the
# assistant's reply. The most recent turns that name a group (rare name words matched, IDF-weighted
# over the group names) boost that group's articles, and its articles are scored semantically even
# when the vector search did not return them. Without a conversation, or with no title groups,
# retrieval is unchanged.
TITLE_PREFIX = re.compile(r"^(.{2,120}?)\s*(?::|\s[-|\u2013\u2014]\s)\s*\S")
TOPIC_TURNS = 6          # the question and the five turns before it, most recent first
TOPIC_MIN_COVER = 0.6    # share of a group name's (IDF-weighted) words a turn must contain
TOPIC_DECAY = 0.75       # weight of a mention one turn further back
TOPIC_WEIGHT = 0.5       # added to the score of a topic article at full strength
TOPIC_GROUPS = 3         # at most this many groups are expanded per search
TOPIC_MAX_CHUNKS = 400
FUZZY_MIN_LEN, FUZZY_CUTOFF = 5, 0.8   # misspelt names ("ayelsbray" for "aylesbray")

# Passage vote (see Retriever): each passage the vector search returned votes for its article with
# weight exp((similarity - best similarity) / VOTE_TEMPERATURE); an article's share of the votes
# (0..1) times ``vote_weight`` is added to its ranking score.
VOTE_TEMPERATURE = 0.02


def _name_terms(text: str) -> list[str]:
    return list(dict.fromkeys(t for t in TOKEN_RE.findall(text.lower()) if t not in STOPWORDS))


@dataclass
class _TitleGroups:
    """A company's title-prefix groups of two or more articles, with IDF weights of their name words."""

    key: tuple
    articles: dict[str, list[int]] = field(default_factory=dict)   # group -> article ids
    grouped: set[int] = field(default_factory=set)                 # every article id in a group
    terms: dict[str, list[str]] = field(default_factory=dict)      # group -> name words
    idf: dict[str, float] = field(default_factory=dict)
    by_term: dict[str, list[str]] = field(default_factory=dict)    # name word -> groups
    fuzzy: dict[str, list[str]] = field(default_factory=dict)      # misspelling memo
    joined: dict[str, tuple[str, str]] = field(default_factory=dict)  # "guesthouse" -> ("guest", "house")

    @classmethod
    def build(cls, key: tuple, titles: list[tuple[int, str]]) -> "_TitleGroups":
        groups: dict[str, list[int]] = {}
        for article_id, title in titles:
            match = TITLE_PREFIX.match(title or "")
            if match:
                groups.setdefault(match.group(1).strip().lower(), []).append(article_id)
        result = cls(key)
        for name, ids in groups.items():
            terms = _name_terms(name)
            if len(ids) >= 2 and terms:
                result.articles[name], result.terms[name] = ids, terms
                result.grouped.update(ids)
                for term in terms:
                    result.by_term.setdefault(term, []).append(name)
                for first, second in zip(terms, terms[1:]):
                    result.joined[first + second] = (first, second)
        n = len(result.articles)
        result.idf = {t: math.log(1 + n / len(g)) for t, g in result.by_term.items()}
        return result

    def words_of(self, text: str) -> set[str]:
        """The group-name words a turn contains, allowing for small misspellings of long words."""
        found: set[str] = set()
        for token in set(TOKEN_RE.findall(text.lower())):
            if token in self.idf:
                found.add(token)
            elif token in self.joined:
                found.update(self.joined[token])
            elif len(token) >= FUZZY_MIN_LEN and token not in STOPWORDS:
                if token not in self.fuzzy:
                    self.fuzzy[token] = difflib.get_close_matches(token, list(self.idf), n=2, cutoff=FUZZY_CUTOFF)
                found.update(self.fuzzy[token])
        return found

    def topic(self, turns: Sequence[str]) -> dict[str, float]:
        """Group -> strength (0..1, the strongest 1) for the groups the conversation names: its best
        mention, by how fully it names the group, discounted by how many turns back it is."""
        strength: dict[str, float] = {}
        for age, text in enumerate(turns[:TOPIC_TURNS]):
            words = self.words_of(text)
            for name in {g for w in words for g in self.by_term.get(w, ())}:
                terms = self.terms[name]
                total = sum(self.idf[t] for t in terms)
                cover = sum(self.idf[t] for t in terms if t in words) / total
                if cover >= TOPIC_MIN_COVER:
                    strength[name] = max(strength.get(name, 0.0), cover * TOPIC_DECAY ** age)
        best = sorted(strength.items(), key=lambda kv: kv[1], reverse=True)[:TOPIC_GROUPS]
        return {name: value / best[0][1] for name, value in best}


@dataclass
class _Titles:
    """A company's article titles as vectors (the stored vectors of their title passages), and which
    articles have body passages too, for the title blend."""

    key: tuple
    row: dict[int, int] = field(default_factory=dict)      # article id -> row of ``vectors``
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    has_body: set[int] = field(default_factory=set)

    @classmethod
    def build(cls, key: tuple, company_id: int, vectors: VectorStore, embedder: Embedder) -> "_Titles":
        rows = (ArticleChunk.select(ArticleChunk.id, ArticleChunk.article, ArticleChunk.position, ArticleChunk.text,
                                    Article.title)
                .join(Article).where((ArticleChunk.company == company_id) & (ArticleChunk.position <= 1)).tuples())
        title_chunks: list[tuple[int, int, str]] = []
        result = cls(key)
        for chunk_id, article_id, position, text, title in rows:
            if position == 0 and (title or "").strip() == text:
                title_chunks.append((chunk_id, article_id, text))
            else:
                result.has_body.add(article_id)
        if not title_chunks:  # no title passages indexed (yet): every article uses its best passage
            return result
        stored = vectors.vectors_of(company_id, [chunk_id for chunk_id, _, _ in title_chunks])
        missing = [text for chunk_id, _, text in title_chunks if chunk_id not in stored]
        fresh = iter(run_blocking(embedder.embed, missing)) if missing else iter(())
        matrix = [stored[chunk_id] if chunk_id in stored else next(fresh) for chunk_id, _, _ in title_chunks]
        result.row = {article_id: i for i, (_, article_id, _) in enumerate(title_chunks)}
        result.vectors = np.asarray(matrix, dtype=np.float32).reshape(len(matrix), -1)
        return result


@dataclass
class Hit:
    """One article as retrieval ranks it, with its best chunk."""

    article_id: int
    title: str
    chunk_id: int
    text: str
    score: float                 # the fused score used for ranking
    semantic: float = 0.0        # the article's semantic similarity (see Retriever: title blend or best chunk)
    keyword: float = 0.0         # its best BM25 score relative to the best in this search (0..1)
    vote: float = 0.0            # its share of the nearest passages' votes (0..1; see Retriever)


@dataclass
class Retrieval:
    question: str
    mode: str
    hits: list[Hit] = field(default_factory=list)
    keyword_coverage: float = 0.0   # share of the question's terms found in the top article
    best_semantic: float = 0.0      # the highest article similarity among all candidates, before any topic boost


class Retriever:
    """Ranks a company's articles for a question. In hybrid mode semantic similarity ranks and BM25
    breaks exact ties and adds candidates the vector search missed (ranked below every semantic
    match). On the evaluation sets (StackFAQ, BANKING77) every BM25 bonus tried — fixed weights
    0.02-0.1, bonuses only among near-tied articles, z-score mixes, reciprocal rank fusion — cost
    recall@1 against semantic alone, so ``keyword_weight`` defaults to 0; BM25's per-article
    score is still reported on each hit (``keyword``) for the confidence model and for display.

    An article's semantic similarity is, with ``title_weight`` 0, its best chunk's cosine; with
    ``title_weight`` w > 0 it is ``w * title + (1 - w) * best body passage``: an FAQ article's
    title says what it answers, its body how, and a question should match both. A part the vector
    search did not return is scored at the search's floor (the lowest similarity it returned, an
    upper bound for anything it missed); an article with no body (or no title) uses the other part.
    Articles in a title-prefix group ("Subject: question", see above) keep their best passage's
    score: their titles mostly name the subject they share with their siblings. Measured in
    docs/reranking.md: w = 0.5 lifts banking77 recall@1 by 4 points and its in-domain AUROC by 7,
    stackfaq recall@1 by two questions, dstc11 unchanged.

    With ``vote_weight`` v > 0 the passages the vector search returned also vote: each for its
    article, weighted ``exp((similarity - best) / VOTE_TEMPERATURE)``, and ``v`` times an article's
    share of the votes is added to its ranking score; its ``semantic`` similarity, which the
    confidence model reads, stays as it was, and the share is reported as ``vote``. An article
    whose several passages lie near the question (a list of example questions of one intent, many
    close to the customer's wording) gains over one with a single, barely closer passage; a passage
    clearly closer than every other (0.05 ahead weighs 12 times as much at the default
    temperature) still wins. Measured in docs/reranking.md: v = 0.1 lifts recall@1 on a clean
    intent knowledge base by 4 points and leaves stackfaq, banking77's (mislabelled) dev knowledge
    base and dstc11 where they were."""

    def __init__(self, embedder: Embedder, vectors: VectorStore, keywords: KeywordIndex,
                 keyword_weight: float = 0.0, title_weight: float = 0.0, vote_weight: float = 0.0):
        if not 0.0 <= title_weight <= 1.0:
            raise ValueError(f"title_weight must be between 0 and 1, got {title_weight}")
        if not 0.0 <= vote_weight <= 1.0:
            raise ValueError(f"vote_weight must be between 0 and 1, got {vote_weight}")
        self.embedder = embedder
        self.vectors = vectors
        self.keywords = keywords
        self.keyword_weight = keyword_weight
        self.title_weight = title_weight
        self.vote_weight = vote_weight
        self._groups: dict[int, _TitleGroups] = {}
        self._titles: dict[int, _Titles] = {}

    def forget(self, company_id: int) -> None:
        """Drop the company's title vectors and groups: its indexes changed (called once indexing is
        done, so a search that raced the indexing cannot keep what it built from half-written chunks)."""
        self._titles.pop(company_id, None)
        self._groups.pop(company_id, None)

    def embed_query(self, text: str) -> np.ndarray:
        return run_blocking(self.embedder.embed, [text])[0]

    @staticmethod
    def articles_key(company_id: int) -> tuple:
        """Changes whenever the company's articles do (one is added, edited or deleted)."""
        return tuple(Article.select(fn.COUNT(Article.id), fn.MAX(Article.id), fn.MAX(Article.updated_at))
                     .where(Article.company == company_id).tuples().get())

    def title_groups(self, company_id: int, key: tuple | None = None) -> _TitleGroups:
        """The company's title groups, rebuilt when its articles change (``key``: its articles_key)."""
        key = self.articles_key(company_id) if key is None else key
        groups = self._groups.get(company_id)
        if groups is None or groups.key != key:
            titles = list(Article.select(Article.id, Article.title).where(Article.company == company_id).tuples())
            groups = self._groups[company_id] = _TitleGroups.build(key, titles)
        return groups

    def topic_articles(self, company_id: int, conversation: Sequence[str]) -> dict[int, float]:
        """Article id -> topic strength (0..1) for the articles of the groups the conversation names
        (``conversation``: the question, then the earlier turns of both speakers, most recent first)."""
        if not conversation:
            return {}
        groups = self.title_groups(company_id)
        if not groups.articles:
            return {}
        return {article_id: strength for name, strength in groups.topic(conversation).items()
                for article_id in groups.articles[name]}

    def _similarities(self, company_id: int, chunks: list[tuple[int, str]], vector: np.ndarray) -> dict[int, float]:
        """Cosine similarity of the query to the given chunks: their stored vectors, or, for any the
        store lacks (drift being repaired), embedded now."""
        ids = [chunk_id for chunk_id, _ in chunks]
        stored = self.vectors.vectors_of(company_id, ids)
        missing = [(chunk_id, text) for chunk_id, text in chunks if chunk_id not in stored]
        if missing:
            vectors = run_blocking(self.embedder.embed, [text for _, text in missing])
            stored.update({chunk_id: vectors[i] for i, (chunk_id, _) in enumerate(missing)})
        return {chunk_id: float(np.dot(stored[chunk_id], vector)) for chunk_id in ids if chunk_id in stored}

    def titles(self, company_id: int, key: tuple | None = None) -> "_Titles":
        """The company's title vectors (for the title blend), rebuilt when its articles change."""
        key = self.articles_key(company_id) if key is None else key
        titles = self._titles.get(company_id)
        if titles is None or titles.key != key:
            titles = self._titles[company_id] = _Titles.build(key, company_id, self.vectors, self.embedder)
        return titles

    def _article_similarities(self, company_id: int, semantic: dict[int, float], chunks: dict[int, ArticleChunk],
                              floor: float, vector: np.ndarray) -> dict[int, float]:
        """Article id -> ``title_weight * title + (1 - title_weight) * best body passage`` for the
        articles that have a semantic match, except those in a title-prefix group (see the class doc)."""
        key = self.articles_key(company_id)
        titles, skip = self.titles(company_id, key), self.title_groups(company_id, key).grouped
        body: dict[int, float] = {}
        for chunk_id, sim in semantic.items():
            chunk = chunks.get(chunk_id)
            if chunk is None or chunk.article_id in skip:
                continue
            is_title = chunk.position == 0 and chunk.article_id in titles.row
            body[chunk.article_id] = max(body.get(chunk.article_id, -1.0), -1.0 if is_title else sim)
        blended = {}
        for article_id, best_body in body.items():
            row = titles.row.get(article_id)
            if best_body == -1.0:  # only its title was found: the rest is at most the search's floor
                best_body = floor if article_id in titles.has_body else None
            if row is None or best_body is None:
                blended[article_id] = best_body if row is None else float(titles.vectors[row] @ vector)
            else:
                title = float(titles.vectors[row] @ vector)
                blended[article_id] = self.title_weight * title + (1.0 - self.title_weight) * best_body
        return blended

    @staticmethod
    def _votes(nearest: dict[int, float], chunks: dict[int, ArticleChunk]) -> dict[int, float]:
        """Article id -> its share of the votes of the passages the vector search returned."""
        top = max(nearest.values())
        votes: dict[int, float] = {}
        for chunk_id, similarity in nearest.items():
            chunk = chunks.get(chunk_id)
            if chunk is not None:
                weight = math.exp((similarity - top) / VOTE_TEMPERATURE)
                votes[chunk.article_id] = votes.get(chunk.article_id, 0.0) + weight
        total = sum(votes.values())
        return {article_id: vote / total for article_id, vote in votes.items()}

    def search(self, company_id: int, question: str, *, k: int = 5, mode: str = "hybrid",
               query_vector: np.ndarray | None = None, conversation: Sequence[str] = ()) -> Retrieval:
        """Rank articles for ``question``. In hybrid mode a multi-turn ``conversation`` (the question,
        then earlier turns of both speakers, most recent first) adds the conversation-topic boost."""
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}")
        semantic: dict[int, float] = {}
        keyword: dict[int, float] = {}
        floor = 0.0
        if mode in ("hybrid", "semantic"):
            vector = self.embed_query(question) if query_vector is None else query_vector
            semantic = dict(self.vectors.search(company_id, vector, CANDIDATES))
            floor = min(semantic.values(), default=0.0)
        nearest = dict(semantic)   # the vector search's own candidates, who vote (the topic's do not)
        topic: dict[int, float] = {}
        if mode == "hybrid" and len(conversation) > 1:
            topic = self.topic_articles(company_id, conversation)
            if topic:
                rows = list(ArticleChunk.select(ArticleChunk.id, ArticleChunk.text)
                            .where(ArticleChunk.article.in_(list(topic)) & (ArticleChunk.company == company_id))
                            .limit(TOPIC_MAX_CHUNKS).tuples())
                # the topic supplies the subject, so its articles are ranked by the question alone
                # (the follow-up query's extra turn only blurs which aspect is asked about)
                own = vector if conversation[0] == question else self.embed_query(conversation[0])
                semantic.update(self._similarities(company_id, rows, own))
        if mode in ("hybrid", "bm25"):
            raw = self.keywords.search(company_id, question, CANDIDATES)
            top = raw[0][1] if raw and raw[0][1] > 0 else 1.0
            keyword = {chunk_id: max(score, 0.0) / top for chunk_id, score in raw}
        chunk_ids = set(semantic) | set(keyword)
        if not chunk_ids:
            return Retrieval(question, mode)
        chunks = {c.id: c for c in ArticleChunk.select(ArticleChunk.id, ArticleChunk.article, ArticleChunk.position,
                                                       ArticleChunk.text)
                  .where(ArticleChunk.id.in_(list(chunk_ids)) & (ArticleChunk.company == company_id))}
        best: dict[int, Hit] = {}
        for chunk_id in chunk_ids:
            chunk = chunks.get(chunk_id)
            if chunk is None:  # an index row for a chunk that no longer exists (repaired at start-up)
                continue
            sem, kw = semantic.get(chunk_id, 0.0), keyword.get(chunk_id, 0.0)
            score = {"semantic": sem, "bm25": kw}.get(mode, sem + self.keyword_weight * kw
                                                      + TOPIC_WEIGHT * topic.get(chunk.article_id, 0.0))
            hit = best.get(chunk.article_id)
            if hit is None:
                best[chunk.article_id] = Hit(chunk.article_id, "", chunk_id, chunk.text, score, sem, kw)
            else:
                hit.semantic, hit.keyword = max(hit.semantic, sem), max(hit.keyword, kw)
                if score > hit.score:
                    hit.score, hit.chunk_id, hit.text = score, chunk_id, chunk.text
        if self.title_weight and semantic:
            # The best chunk stays the passage shown; the article's similarity becomes the title blend.
            # Articles of a title-prefix group are left to their best passage: their titles mostly
            # name the subject they share with their siblings ("Hotel Lyra: guest review 3").
            for article_id, similarity in self._article_similarities(company_id, semantic, chunks, floor,
                                                                     vector).items():
                hit = best[article_id]
                hit.score += similarity - hit.semantic
                hit.semantic = similarity
        if self.vote_weight and nearest:
            for article_id, share in self._votes(nearest, chunks).items():
                hit = best[article_id]
                hit.vote = share
                hit.score += self.vote_weight * share   # ranking only: ``semantic`` stays the similarity
        # ties (equal scores, e.g. several BM25-only candidates at 0) are broken by BM25, then semantic
        hits = sorted(best.values(), key=lambda h: (h.score, h.keyword, h.semantic), reverse=True)[:k]
        titles = dict(Article.select(Article.id, Article.title).where(Article.id.in_([h.article_id for h in hits]))
                      .tuples())
        for hit in hits:
            hit.title = titles.get(hit.article_id, "")
        result = Retrieval(question, mode, hits)
        result.best_semantic = max((h.semantic for h in best.values()), default=0.0)
        if hits:
            terms = query_terms(question)
            if terms:
                haystack = f"{hits[0].title} {hits[0].text}".lower()
                result.keyword_coverage = sum(1 for t in terms if t in haystack) / len(terms)
        return result

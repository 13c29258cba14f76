"""BM25 keyword search over article chunks with SQLite FTS5 (embedded Chroma has no keyword ranking)."""
from __future__ import annotations

import re

from ..db import database

# Words too common to say anything about which article answers a question.
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her
here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
now of off on once only or other our ours ourselves out over own same she should so some such than that the
their theirs them themselves then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your yours yourself yourselves im ive
dont cant hi hello please thanks thank hey get got want need know like
""".split())

TOKEN_RE = re.compile(r"\w+", re.UNICODE)


def query_terms(text: str) -> list[str]:
    """The distinct searchable words of a question, in order."""
    seen: list[str] = []
    for token in TOKEN_RE.findall(text.lower()):
        if token not in STOPWORDS and len(token) > 1 and token not in seen:
            seen.append(token)
    return seen[:32]


class KeywordIndex:
    """Per-company BM25 over the ``chunk_fts`` table (title weighted above body text)."""

    TITLE_WEIGHT, HEADING_WEIGHT, TEXT_WEIGHT = 2.0, 1.5, 1.0

    def replace_article(self, company_id: int, article_id: int, title: str,
                        chunks: list[tuple[int, str, str]]) -> None:
        """Index an article's chunks ``(chunk_id, heading, text)``; call inside the write transaction."""
        self.remove_article(company_id, article_id)
        database.execute_sql("SELECT 1")  # make sure a connection is open for executemany below
        database.connection().executemany(
            "INSERT INTO chunk_fts (title, heading, text, company_id, article_id, chunk_id) VALUES (?, ?, ?, ?, ?, ?)",
            [(title, heading, text, company_id, article_id, chunk_id) for chunk_id, heading, text in chunks])

    def remove_article(self, company_id: int, article_id: int) -> None:
        database.execute_sql("DELETE FROM chunk_fts WHERE company_id = ? AND article_id = ?", (company_id, article_id))

    def remove_company(self, company_id: int) -> None:
        database.execute_sql("DELETE FROM chunk_fts WHERE company_id = ?", (company_id,))

    def count(self, company_id: int) -> int:
        return database.execute_sql("SELECT COUNT(*) FROM chunk_fts WHERE company_id = ?", (company_id,)).fetchone()[0]

    def ids(self, company_id: int) -> set[int]:
        """Every chunk id the company's keyword index holds."""
        rows = database.execute_sql("SELECT chunk_id FROM chunk_fts WHERE company_id = ?", (company_id,))
        return {int(chunk_id) for (chunk_id,) in rows.fetchall()}

    def search(self, company_id: int, text: str, k: int = 50) -> list[tuple[int, float]]:
        """``(chunk_id, score)`` best first; the score is -bm25, so higher is better."""
        terms = query_terms(text)
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        rows = database.execute_sql(
            "SELECT chunk_id, bm25(chunk_fts, ?, ?, ?) AS rank FROM chunk_fts "
            "WHERE chunk_fts MATCH ? AND company_id = ? ORDER BY rank LIMIT ?",
            (self.TITLE_WEIGHT, self.HEADING_WEIGHT, self.TEXT_WEIGHT, match, company_id, k)).fetchall()
        return [(int(chunk_id), -float(rank)) for chunk_id, rank in rows]

"""The passage vote (``retrieval_vote_weight``): each passage the vector search returns votes for its
article, the closest most, and the weight times the article's share of the votes is added to its
ranking score; its semantic similarity (what the confidence model reads) stays the title blend."""
from __future__ import annotations

import math

import numpy as np
import pytest

from appliance.rag.retrieval import VOTE_TEMPERATURE, Retriever
from appliance.services.knowledge import embedding_text
from appliance.settings import Settings, SettingsError
from tests.conftest import Tenant

QUESTION = "my new card has not arrived yet"
# Intent-style articles: a title and a list of example questions, one a line. Both articles' best
# example is equally close to the question, but "Card delivery" has three more close examples.
ARTICLES = [
    ("Card delivery", ["new card has not arrived yet", "my new card has still not arrived yet",
                       "has my new card not arrived yet", "the new card has not arrived yet"]),
    ("Card fees", ["my new card has not arrived"]),
]


@pytest.fixture
def kb(services):
    return Tenant(services, "cards", ai=True).add_articles((title, "\n".join(lines)) for title, lines in ARTICLES)


def retriever(services, *, vote: float, title: float = 0.5) -> Retriever:
    shipped = services.responder.retriever
    return Retriever(shipped.embedder, shipped.vectors, shipped.keywords, title_weight=title, vote_weight=vote)


def similarities(embedder, title: str, lines: list[str]) -> np.ndarray:
    """The question's cosine to the article's passages as indexed: its title, then each line."""
    vectors = embedder.embed([QUESTION, title] + [embedding_text(title, "", line) for line in lines])
    return vectors[1:] @ vectors[0]


def test_the_shipped_retriever_uses_the_setting(services):
    assert services.responder.retriever.vote_weight == services.settings.retrieval_vote_weight == 0.1


def test_weight_out_of_range_is_refused(tmp_path, services):
    with pytest.raises(SettingsError, match="retrieval_vote_weight"):
        Settings.load({"data_dir": str(tmp_path / "d"), "retrieval_vote_weight": -0.5}, environ={})
    with pytest.raises(ValueError, match="vote_weight"):
        retriever(services, vote=1.5)


def test_the_score_is_the_similarity_plus_the_weighted_share_of_the_votes(services, kb):
    hits = {h.title: h for h in retriever(services, vote=0.1).search(kb.company.id, QUESTION, k=5).hits}
    embedder = services.responder.retriever.embedder
    sims = {title: similarities(embedder, title, lines) for title, lines in ARTICLES}
    best = max(float(s.max()) for s in sims.values())
    votes = {title: sum(math.exp((float(x) - best) / VOTE_TEMPERATURE) for x in s) for title, s in sims.items()}
    total = sum(votes.values())
    for title, s in sims.items():
        share = votes[title] / total
        blend = 0.5 * float(s[0]) + 0.5 * float(s[1:].max())
        assert hits[title].vote == pytest.approx(share, abs=1e-5)
        assert hits[title].semantic == pytest.approx(blend, abs=1e-5)
        assert hits[title].score == pytest.approx(blend + 0.1 * share, abs=1e-5)
    assert sum(h.vote for h in hits.values()) == pytest.approx(1.0)


def test_more_close_examples_win_a_tie_on_the_best_one(services, kb):
    plain = {h.title: h for h in retriever(services, vote=0.0).search(kb.company.id, QUESTION, k=5).hits}
    assert plain["Card delivery"].score == pytest.approx(plain["Card fees"].score, abs=1e-6)
    assert plain["Card delivery"].vote == plain["Card fees"].vote == 0.0
    voted = retriever(services, vote=0.1).search(kb.company.id, QUESTION, k=5).hits
    assert voted[0].title == "Card delivery"
    assert voted[0].score > voted[1].score + 0.01
    assert voted[0].text == ARTICLES[0][1][0]  # the passage shown is still the article's best


def test_keyword_search_has_no_vote(services, kb):
    hits = retriever(services, vote=0.1).search(kb.company.id, QUESTION, k=5, mode="bm25").hits
    assert hits and all(h.vote == 0.0 for h in hits)
    plain = retriever(services, vote=0.0).search(kb.company.id, QUESTION, k=5, mode="bm25").hits
    assert [(h.article_id, h.score) for h in hits] == [(h.article_id, h.score) for h in plain]


def test_another_companys_passages_never_vote(services, kb):
    other = Tenant(services, "others", ai=True)
    services.articles.create(other.company, other.admin, title="Card delivery",
                             body="my new card has not arrived yet\nmy new card has not arrived yet!")
    hits = retriever(services, vote=0.1).search(kb.company.id, QUESTION, k=5).hits
    assert {h.title for h in hits} == {title for title, _ in ARTICLES}
    assert sum(h.vote for h in hits) == pytest.approx(1.0)

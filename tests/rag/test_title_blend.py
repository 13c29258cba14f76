"""An article's semantic similarity blends its title and its best body passage
(``retrieval_title_weight``); with weight 0 it is the best passage alone."""
from __future__ import annotations

import datetime

import numpy as np
import pytest

from appliance.rag.retrieval import Retriever
from appliance.services.knowledge import embedding_text
from appliance.settings import Settings, SettingsError
from tests.conftest import Tenant

QUESTION = "how do I reset my router password"
ARTICLES = [
    ("Reset the router password",
     "To reset my router password, hold the button on the back for ten seconds, then log in as admin."),
    ("Deliveries and couriers", "Question: how do I reset my router password? Not here: parcels ship in two days."),
]


@pytest.fixture
def kb(services):
    return Tenant(services, "routers", ai=True).add_articles(ARTICLES)


def cosine(embedder, a: str, b: str) -> float:
    vectors = embedder.embed([a, b])
    return float(np.dot(vectors[0], vectors[1]))


def with_weight(services, weight: float) -> Retriever:
    shipped = services.responder.retriever
    return Retriever(shipped.embedder, shipped.vectors, shipped.keywords, title_weight=weight)


def test_the_shipped_retriever_uses_the_setting(services):
    assert services.responder.retriever.title_weight == services.settings.retrieval_title_weight == 0.5


def test_similarity_is_the_blend_of_title_and_best_passage(services, kb):
    retriever = with_weight(services, 0.5)
    hits = {h.title: h for h in retriever.search(kb.company.id, QUESTION, k=5).hits}
    embedder = retriever.embedder
    for title, body in ARTICLES:
        expected = 0.5 * cosine(embedder, QUESTION, title) + 0.5 * cosine(embedder, QUESTION,
                                                                           embedding_text(title, "", body))
        assert hits[title].semantic == pytest.approx(expected, abs=1e-5)
        assert hits[title].score == pytest.approx(expected, abs=1e-5)


def test_the_title_decides_against_a_passage_that_only_repeats_the_question(services, kb):
    passage_only = with_weight(services, 0.0).search(kb.company.id, QUESTION, k=3, mode="semantic").hits
    blended = with_weight(services, 0.5).search(kb.company.id, QUESTION, k=3, mode="semantic").hits
    assert passage_only[0].title == "Deliveries and couriers"
    assert blended[0].title == "Reset the router password"
    # with weight 0 the similarity is the best chunk's cosine, as before
    title, body = ARTICLES[1]
    best = max(cosine(services.responder.retriever.embedder, QUESTION, text)
               for text in (title, embedding_text(title, "", body)))
    assert passage_only[0].semantic == pytest.approx(best, abs=1e-5)


def test_the_displayed_passage_is_still_the_best_chunk(services, kb):
    hit = next(h for h in with_weight(services, 0.5).search(kb.company.id, QUESTION, k=3).hits
               if h.title == "Deliveries and couriers")
    assert hit.text == ARTICLES[1][1]


def test_bm25_mode_is_not_blended(services, kb):
    plain = with_weight(services, 0.0).search(kb.company.id, QUESTION, k=3, mode="bm25").hits
    blended = with_weight(services, 0.5).search(kb.company.id, QUESTION, k=3, mode="bm25").hits
    assert [(h.article_id, h.score) for h in plain] == [(h.article_id, h.score) for h in blended]


def test_weight_out_of_range_is_refused(tmp_path, services):
    with pytest.raises(SettingsError, match="retrieval_title_weight"):
        Settings.load({"data_dir": str(tmp_path / "d"), "retrieval_title_weight": 1.5}, environ={})
    with pytest.raises(ValueError, match="title_weight"):
        with_weight(services, -0.1)


def test_an_edited_title_is_used_at_once(services, kb):
    retriever = with_weight(services, 0.5)
    before = {h.title: h for h in retriever.search(kb.company.id, QUESTION, k=5).hits}
    article_id = before["Deliveries and couriers"].article_id
    services.articles.update(kb.company, kb.admin, article_id, title="How do I reset my router password?",
                             body=ARTICLES[1][1])
    after = {h.title: h for h in retriever.search(kb.company.id, QUESTION, k=5).hits}
    edited = after["How do I reset my router password?"]
    expected = 0.5 * cosine(retriever.embedder, QUESTION, edited.title) + 0.5 * cosine(
        retriever.embedder, QUESTION, embedding_text(edited.title, "", ARTICLES[1][1]))
    assert edited.semantic == pytest.approx(expected, abs=1e-5)
    assert retriever.search(kb.company.id, QUESTION, k=1).hits[0].article_id == article_id


def test_another_companys_titles_never_count(services, kb):
    other = Tenant(services, "others", ai=True)
    services.articles.create(other.company, other.admin, title="How do I reset my router password?",
                             body="Ask the shop.")
    hits = with_weight(services, 0.5).search(kb.company.id, QUESTION, k=5).hits
    assert {h.title for h in hits} == {title for title, _ in ARTICLES}


def test_articles_sharing_a_subject_prefix_keep_their_best_passage(services):
    tenant = Tenant(services, "hotels", ai=True).add_articles([
        ("Hotel Lyra: guest review 1", "The breakfast buffet was generous and fresh."),
        ("Hotel Lyra: guest review 2", "Our room was noisy at night.")])
    question = "was the breakfast buffet good"
    retriever = with_weight(services, 0.5)
    hit = retriever.search(tenant.company.id, question, k=1, mode="semantic").hits[0]
    assert hit.title == "Hotel Lyra: guest review 1"
    expected = max(cosine(retriever.embedder, question, text) for text in
                   (hit.title, embedding_text(hit.title, "", "The breakfast buffet was generous and fresh.")))
    assert hit.semantic == pytest.approx(expected, abs=1e-5)


def test_titles_read_while_an_article_was_being_indexed_are_dropped_when_indexing_is_done(services, kb):
    from appliance import events
    from appliance.domain.models import Article, ArticleChunk

    shipped = services.responder.retriever
    article_id = {h.title: h for h in shipped.search(kb.company.id, QUESTION, k=5).hits}["Reset the router password"].article_id
    # A search between the article's commit and its indexing sees the new articles_key but the old
    # chunks (here: none of this article's): what it builds must not outlive the indexing.
    saved = list(ArticleChunk.select().where(ArticleChunk.article == article_id).dicts())
    edited = Article.get_by_id(article_id)
    edited.updated_at += datetime.timedelta(seconds=1)
    edited.save(only=[Article.updated_at])  # the edit commits
    ArticleChunk.delete().where(ArticleChunk.article == article_id).execute()  # its chunks are being rewritten
    assert article_id not in shipped.titles(kb.company.id).row
    ArticleChunk.insert_many(saved).execute()
    assert article_id not in shipped.titles(kb.company.id).row  # same articles_key: still what the race built
    services.bus.publish(events.KNOWLEDGE_CHANGED, company_id=kb.company.id)  # indexing finished
    assert article_id in shipped.titles(kb.company.id).row


def test_a_company_whose_index_has_no_title_passages_still_searches(services, kb):
    from appliance.domain.models import ArticleChunk

    ArticleChunk.delete().where((ArticleChunk.company == kb.company.id) & (ArticleChunk.position == 0)).execute()
    retriever = with_weight(services, 0.5)
    assert retriever.titles(kb.company.id).row == {}
    assert retriever.search(kb.company.id, QUESTION, k=3).hits  # each article scored by its best passage

"""Importing and indexing articles: all or nothing, progress as it goes, and an index that always
ends at each article's stored text, even when edits race or a crash cuts indexing off."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from appliance.db import database
from appliance.domain.models import Article, ArticleChunk
from appliance.errors import BadRequest
from appliance.kb_import import ImportedArticle


def record(n: int, **fields) -> ImportedArticle:
    values = {"title": f"Guide {n}", "body": f"How to look after part {n}.\n\nOil it every month.", "tags": [],
              "source": f"kb.jsonl#g{n}", "where": f"kb.jsonl, line {n + 1}", **fields}
    return ImportedArticle(**values)


def chunk_texts(article_id: int) -> list[str]:
    return [c.text for c in ArticleChunk.select().where(ArticleChunk.article == article_id)]


def assert_indexes_hold_sqlite(services, company) -> None:
    ids = [c.id for c in ArticleChunk.select(ArticleChunk.id).where(ArticleChunk.company == company)]
    assert services.knowledge.keywords.count(company.id) == len(ids)
    assert sorted(services.knowledge.vectors.vectors_of(company.id, ids)) == sorted(ids)
    assert services.knowledge.vectors.count(company.id) == len(ids)


def test_a_bad_article_late_in_an_import_stores_nothing_and_is_named(services, acme):
    records = [record(n) for n in range(250)]
    records[230] = record(230, tags=["t" * 60])
    with pytest.raises(BadRequest) as refused:
        services.importer.import_articles(acme.company, None, records)
    assert refused.value.message == ("kb.jsonl, line 231: tags: is 60 characters long; the limit is 40; "
                                     "nothing was imported")
    assert Article.select().count() == 0 and ArticleChunk.select().count() == 0  # not the first batch either


def test_imported_articles_are_stored_with_their_passages(services, acme):
    assert services.importer.import_articles(acme.company, None, [record(n) for n in range(3)]) == 3
    for article in Article.select():
        assert "Guide" in chunk_texts(article.id)[0]
    assert services.knowledge.in_step(acme.company)
    assert_indexes_hold_sqlite(services, acme.company)


def test_an_import_reports_progress_while_it_indexes(services, acme):
    steps: list[int] = []
    services.importer.import_articles(acme.company, None, [record(n) for n in range(106)], progress=steps.append)
    assert sum(steps) == 106
    assert len(steps) >= 3 and max(steps) < 106  # not one jump from 0 to done


def test_an_import_run_again_counts_the_skipped_articles_as_progress(services, acme):
    services.importer.import_articles(acme.company, None, [record(n) for n in range(5)])
    steps: list[int] = []
    assert services.importer.import_articles(acme.company, None, [record(n) for n in range(8)],
                                             progress=steps.append) == 3
    assert sum(steps) == 8


class GatedEmbedder:
    """Holds the embedding of any text containing ``marker`` until ``release`` is set."""

    def __init__(self, inner, marker: str):
        self.inner, self.marker, self.dim = inner, marker, inner.dim
        self.entered, self.release = threading.Event(), threading.Event()

    def embed(self, texts):
        if any(self.marker in text for text in texts):
            self.entered.set()
            assert self.release.wait(10)
        return self.inner.embed(texts)


def test_an_edit_indexed_while_an_older_one_embeds_is_the_one_kept(services, acme):
    article = services.articles.create(acme.company, acme.admin, title="Returns", body="version 0 of the policy")
    gate = GatedEmbedder(services.knowledge.embedder, "version 1")
    services.knowledge.embedder = gate

    def edit(body):
        try:
            services.articles.update(acme.company, acme.admin, article.id, title="Returns", body=body)
        finally:
            database.close()

    older = threading.Thread(target=edit, args=("version 1 of the policy",))
    older.start()
    assert gate.entered.wait(10)  # the first edit is stored and its passages are being embedded
    edit("version 2 of the policy")  # the second is stored and indexed meanwhile
    gate.release.set()  # now the first edit's indexing finishes, last
    older.join(10)

    assert Article.get_by_id(article.id).body == "version 2 of the policy"
    assert any("version 2" in text for text in chunk_texts(article.id))
    assert not any("version 1" in text for text in chunk_texts(article.id))
    assert services.knowledge.in_step(acme.company)
    assert_indexes_hold_sqlite(services, acme.company)


@pytest.mark.parametrize("cut_off", ["a stored article never indexed", "an edit never indexed",
                                     "an unpublishing never indexed"])
def test_start_up_repair_finds_articles_whose_passages_a_crash_cut_off(services, acme, cut_off):
    article = services.articles.create(acme.company, acme.admin, title="Hours", body="Open 9 to 5.")
    services.articles.create(acme.company, acme.admin, title="Returns", body="Within 30 days.")
    # What a kill -9 leaves between an article's commit and its indexing (the bus's handler never ran):
    if cut_off == "a stored article never indexed":
        article = Article.create(company=acme.company, title="Gift cards", body="They never expire.")
    elif cut_off == "an edit never indexed":
        Article.update(body="Open 10 to 6.", version=Article.version + 1).where(Article.id == article.id).execute()
    else:
        Article.update(published=False, version=Article.version + 1).where(Article.id == article.id).execute()
    assert not services.knowledge.in_step(acme.company)  # the chunk counts still match: counting is not enough

    assert services.knowledge.repair() == ["acme"]
    assert services.knowledge.in_step(acme.company)
    assert_indexes_hold_sqlite(services, acme.company)
    texts = chunk_texts(article.id)
    if cut_off == "a stored article never indexed":
        assert "They never expire." in texts
    elif cut_off == "an edit never indexed":
        assert "Open 10 to 6." in texts and "Open 9 to 5." not in texts
    else:
        assert texts == []


def test_start_up_repair_finds_vectors_of_other_chunks_in_equal_number(services, acme):
    """An edit cut off between SQLite and Chroma: the new chunks have no vectors, the old ones' are still
    there, as many as before; comparing counts saw nothing."""
    article = services.articles.create(acme.company, acme.admin, title="Hours", body="Open 9 to 5.")
    chunk_ids = [c.id for c in ArticleChunk.select().where(ArticleChunk.article == article.id)]
    vectors = services.knowledge.vectors
    stale = {cid + 10_000: vec for cid, vec in vectors.vectors_of(acme.company.id, chunk_ids).items()}
    vectors.remove_ids(acme.company.id, chunk_ids)
    vectors.upsert(acme.company.id, list(stale), [article.id] * len(stale), np.stack(list(stale.values())))
    assert vectors.count(acme.company.id) == len(chunk_ids)
    assert not services.knowledge.in_step(acme.company)

    assert services.knowledge.repair() == ["acme"]
    assert services.knowledge.in_step(acme.company)
    assert_indexes_hold_sqlite(services, acme.company)

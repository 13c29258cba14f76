"""Multi-turn retrieval: the conversation topic (title-prefix groups named earlier, by either
speaker) steers a follow-up to the right subject's articles."""
from __future__ import annotations

import pytest

from appliance.evaluation import conversation_history
from appliance.rag.retrieval import _TitleGroups
from tests.conftest import Tenant

TITLES = [(1, "Aylesbray Lodge Guest House: guest review 1"), (2, "Aylesbray Lodge Guest House: Is there parking?"),
          (3, "Acorn Guest House: guest review 1"), (4, "Acorn Guest House: Is there parking?"),
          (5, "Rajmahal: guest review 1"), (6, "Rajmahal: Do you deliver?"), (7, "Refund policy")]


def groups() -> _TitleGroups:
    return _TitleGroups.build(("k",), TITLES)


def test_title_prefix_groups_need_two_articles():
    g = groups()
    assert set(g.articles) == {"aylesbray lodge guest house", "acorn guest house", "rajmahal"}
    assert g.articles["rajmahal"] == [5, 6]
    assert not _TitleGroups.build(("k",), [(1, "Strikethrough with GitHub Markdown"), (2, "Refunds")]).articles


def test_topic_comes_from_the_assistants_turn_and_allows_misspellings():
    turns = ["Does it have a big room?", "I would recommend the ayelsbray lodge guest house.", "A 4 star place please."]
    assert groups().topic(turns) == {"aylesbray lodge guest house": 1.0}


def test_common_name_words_alone_name_no_topic_and_compounds_count():
    assert groups().topic(["Is there a guest house with parking?"]) == {}
    assert "acorn guest house" in groups().topic(["Is it quiet?", "The Acorn Guesthouse has 4 stars."])


def test_the_most_recent_mention_is_strongest():
    topic = groups().topic(["Do they deliver?", "Rajmahal is in the east.", "What about the Acorn Guest House?"])
    assert topic["rajmahal"] == 1.0 and topic["acorn guest house"] < 1.0


def test_evaluation_passes_both_speakers():
    context = [{"speaker": "U", "text": "A hotel please"}, {"speaker": "S", "text": "Try the Acorn Guest House."}]
    assert conversation_history(context) == [("user", "A hotel please"), ("assistant", "Try the Acorn Guest House.")]


@pytest.fixture
def hotels(services):
    return Tenant(services, "stays", ai=True).add_articles([
        ("Acorn Guest House: guest review 1", "The view from our room over the river was wonderful."),
        ("Acorn Guest House: Is there parking?", "Yes, free parking on site."),
        ("Rajmahal: guest review 1", "Lovely curry and a great view of the park from our table."),
        ("Rajmahal: Is there parking?", "No, use the public car park."),
    ])


def test_a_follow_up_retrieves_the_subject_the_assistant_named(services, hotels):
    responder = services.responder
    history = [("user", "Where should I stay?"), ("assistant", "I would recommend the Rajmahal.")]
    decision = responder.decide(hotels.company, "Is there parking?", history=history)
    assert decision.retrieval.hits[0].title == "Rajmahal: Is there parking?"
    history = [("user", "Where should I stay?"), ("assistant", "I would recommend the acorn guesthouse.")]
    decision = responder.decide(hotels.company, "Is there parking?", history=history)
    assert decision.retrieval.hits[0].title == "Acorn Guest House: Is there parking?"


def test_without_a_conversation_retrieval_is_unchanged(services, hotels):
    retriever = services.responder.retriever
    plain = retriever.search(hotels.company.id, "Is there parking?", k=4)
    alone = services.responder.decide(hotels.company, "Is there parking?", k=4)
    assert [h.article_id for h in alone.retrieval.hits] == [h.article_id for h in plain.hits]
    assert [h.score for h in alone.retrieval.hits] == [h.score for h in plain.hits]
    # semantic and bm25 modes ignore the conversation
    history = [("assistant", "I would recommend the Rajmahal.")]
    for mode in ("semantic", "bm25"):
        with_history = services.responder.decide(hotels.company, "Is there parking?", history=history, mode=mode)
        without = retriever.search(hotels.company.id, "Is there parking?", mode=mode)
        assert [h.article_id for h in with_history.retrieval.hits] == [h.article_id for h in without.hits]

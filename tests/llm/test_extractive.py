"""The model-free provider quotes the relevant sentences of the best passage."""
from __future__ import annotations

from appliance.llm.base import Passage
from appliance.llm.extractive import NO_ANSWER, ExtractiveProvider
from tests.llm.conftest import make_request


def answer(request) -> str:
    return "".join(ExtractiveProvider().stream(request))


def test_quotes_the_relevant_sentence_of_the_best_passage():
    text = answer(make_request("How long do refunds take?"))
    assert text.startswith("Refunds are issued to the original payment method within 5 business days.")
    assert "ships worldwide" not in text
    assert "Standard shipping" not in text
    assert text.endswith("— from “Refunds and returns”")


def test_picks_by_word_overlap_within_the_passage():
    text = answer(make_request("How do I start a return from my orders?"))
    assert "To start a return, open the Orders page and choose Return item." in text
    assert "ships worldwide" not in text


def test_best_passage_wins_even_when_another_matches_more_words():
    request = make_request("shipping", passages=[
        Passage(1, "Delivery", "Parcels leave the warehouse daily.", 0.9),
        Passage(2, "Shipping shipping", "Shipping is shipping.", 0.1)])
    assert answer(request).endswith("— from “Delivery”")


def test_yields_a_few_pieces():
    pieces = list(ExtractiveProvider().stream(make_request("refunds gift cards")))
    assert 2 <= len(pieces) <= 4


def test_without_passages_says_it_has_no_answer():
    assert answer(make_request(passages=[])) == NO_ANSWER


def test_always_available():
    status = ExtractiveProvider().status()
    assert status.available and status.name == "extractive"

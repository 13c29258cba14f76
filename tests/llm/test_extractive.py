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


def test_a_markdown_article_is_quoted_as_plain_text_and_never_by_its_headings():
    """The widget shows text as text: "## Shipping" and "**€25**" used to reach the customer as typed."""
    body = ("## Shipping\n\nDelivery takes 3 to 5 working days. Shipping a bike costs **€25**.\n\n"
            "## Warranty\n\n- New bikes come with a *two-year warranty* on the frame.\n"
            "- Claims go through [our warranty page](https://shop.test/warranty).")
    request = make_request("How much does shipping a bike cost?", passages=[Passage(1, "Shipping and warranty", body, 0.9)])
    text = answer(request)
    assert text.startswith("Shipping a bike costs €25.") and "#" not in text and "*" not in text
    warranty = answer(make_request("Is there a warranty claim page?", passages=[Passage(1, "Warranty", body, 0.9)]))
    assert "Claims go through our warranty page (https://shop.test/warranty)." in warranty
    frame = answer(make_request("How long is the warranty on the frame?", passages=[Passage(1, "Warranty", body, 0.9)]))
    assert frame.startswith("New bikes come with a two-year warranty on the frame.")


def test_plain_text_keeps_its_lines():
    request = make_request("When are you open on Saturday?", passages=[
        Passage(1, "Opening hours", "Opening hours\nMon-Fri 9-18\nSaturday 10-16", 0.9)])
    text = answer(request)
    assert "Saturday 10-16" in text and "Mon-Fri" not in text  # each line a sentence of its own


def test_a_quote_keeps_the_articles_characters_as_written():
    """The answer's text used to be read as Markdown a second time: "4\\*6\\*8 mm" became "468 mm"."""
    body = r"The frame bolts are 4\*6\*8 mm. Sizes [52] and [54] are in stock."
    text = answer(make_request("Which frame bolts and sizes?", passages=[Passage(1, "Frames", body, 0.9)]))
    assert text.startswith("The frame bolts are 4*6*8 mm. Sizes [52] and [54] are in stock.")

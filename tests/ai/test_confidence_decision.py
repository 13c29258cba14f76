"""The answer-or-escalate decision: the confidence features that tell "the KB lacks this" from "the
KB has it", and messages that need no KB answer (goodbyes, booking requests)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from appliance.ai.analysis import analyse
from appliance.ai.confidence import FEATURES, ConfidenceModel, features
from appliance.ai.fit_confidence import FITTED, LabelledSet, figures, fit_sets
from appliance.domain.models import Message, Ticket
from appliance.rag.retrieval import Hit, Retrieval
from tests.ai.test_responder import ask, last_from, visitor  # noqa: F401 (the widget client fixture)


def retrieval(semantics: list[float], best: float | None = None, question: str = "is the wifi reliable") -> Retrieval:
    hits = [Hit(i, f"a{i}", i, "text", s, semantic=s) for i, s in enumerate(semantics)]
    found = Retrieval(question, "hybrid", hits, keyword_coverage=0.5)
    found.best_semantic = max(semantics) if best is None else best
    return found


def test_gap5_is_the_lead_over_the_fifth_article_or_the_last_one():
    assert math.isclose(features(retrieval([0.8, 0.6, 0.6, 0.5, 0.4, 0.1]))["gap5"], 0.4)
    assert math.isclose(features(retrieval([0.8, 0.5, 0.7]))["gap5"], 0.3)
    assert features(retrieval([0.8]))["gap5"] == 0.8


def test_best_is_the_closest_article_anywhere_in_the_search():
    # a conversation's topic put its own article first; a closer article elsewhere shows the KB covers the question
    values = features(retrieval([0.45, 0.40], best=0.7))
    assert values["top"] == 0.45 and values["best"] == 0.7
    assert features(retrieval([0.45, 0.40], best=0.0))["best"] == 0.45


def test_the_shipped_model_trusts_an_article_that_stands_out_from_its_neighbours():
    model = ConfidenceModel.load()
    assert set(FITTED) <= set(FEATURES) and all(model.weights[name] != 0 for name in FITTED)
    standing_out = retrieval([0.62, 0.60, 0.45, 0.42, 0.40])
    in_a_crowd = retrieval([0.62, 0.60, 0.59, 0.59, 0.58])
    assert model.score(standing_out) > model.score(in_a_crowd)
    assert model.score(retrieval([0.45, 0.40, 0.3, 0.3, 0.3], best=0.7)) > model.score(
        retrieval([0.45, 0.40, 0.3, 0.3, 0.3]))


@pytest.mark.parametrize("text, kind", [
    ("No, that's all. Thank you. Goodbye.", "closing"),
    ("That is all I need today, thanks.", "closing"),
    ("No, there's nothing more.", "closing"),
    ("Thanks, that about does it for me today. Have a good one, bye!", "closing"),
    ("Can you book me a room for two nights?", "booking"),
    ("Yes, I need a booking for 3 people.", "booking"),
    ("Could I make a reservation for two at 14:30 this Wednesday?", "booking"),
    ("Please reserve a table for Friday.", "booking"),
    ("How do I book a table?", "question"),
    ("Is that all the bike shop sells?", "question"),
    ("Where do I find my booking reference?", "question"),
    ("Can I cancel a reservation online?", "question"),
    ("Thanks!", "thanks"),
    # a closing word opening a complaint is no goodbye; asking about booking is a question
    ("I'm done with this, my order #12345 never arrived", "question"),
    ("It's all broken after the update", "question"),
    ("Nothing else works, the app crashes on start", "question"),
    ("That's it, I want to cancel my subscription", "question"),
    ("Thanks, that's all. Please book it", "booking"),
    ("Do I need to book a table in advance?", "question"),
    ("How do I sign up and book a room?", "question"),
    ("No, that's all I needed. Thank you!", "closing"),
    ("I'm all set, thank you so much for your help", "closing"),
    # asking for a person without "I" (a reviewer's "Hi from the website widget, need a human")
    ("Hi from the website widget, need a human", "human"),
    ("want a real person please", "human"),
    ("Do I need a person to sign for the delivery?", "question"),
])
def test_goodbyes_and_booking_requests_are_told_from_questions(text, kind):
    assert analyse(text).kind == kind


def test_a_booking_request_gets_no_kb_answer_even_when_the_kb_matches(hearth, shop):
    decision = hearth.responder.decide(shop.company, "Can you book me a battery check for Saturday?")
    assert decision.kind == "booking" and not decision.answer and decision.confidence == 0.0
    assert decision.retrieval.hits[0].title == "Repairing e-bike batteries"  # the draft for the agent still has sources
    question = hearth.responder.decide(shop.company, "How much does a battery check cost?")
    assert question.kind == "question" and question.retrieval.best_semantic >= question.retrieval.hits[0].semantic


def test_a_booking_request_is_handed_to_a_person_and_a_goodbye_is_answered_by_rule(visitor, fake_ollama):
    ack, received = ask(visitor, "No, that's all, thanks. Goodbye!", "b1")
    reply = last_from(received, "ai")
    assert reply["body"] and Message.get_by_id(reply["id"]).metadata["provider"] == "rules"
    assert Ticket.get_by_id(ack["ticket_id"]).status == "bot"

    ack, received = ask(visitor, "Can you book me a battery check for Saturday?", "b2")
    ticket = Ticket.get_by_id(ack["ticket_id"])
    assert ticket.status == "open" and "a person will" in last_from(received, "system")["body"]
    note = Message.get((Message.ticket == ticket) & (Message.private == True))  # noqa: E712
    assert "AI draft" in note.body and note.metadata["sources"] and "booking" in note.metadata["handoff_reason"]
    assert not fake_ollama.chat_requests()  # nothing generated for the customer


def test_fitting_leaves_out_messages_that_are_no_question_and_figures_score_them_zero():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, len(FEATURES)))
    y = (X[:, 0] > 0).astype(float)
    needs_kb = np.ones(300, dtype=bool)
    needs_kb[:40] = False
    y_noisy = y.copy()
    y_noisy[:40] = 1 - y[:40]  # rows the model never scores must not teach it anything
    data = LabelledSet("set", X, y_noisy, y_noisy == 1, ["x"] * 300, needs_kb)
    intercept, weights = fit_sets([data], ("top",), l2=1.0)
    clean_intercept, clean_weights = fit_sets([LabelledSet("set", X[40:], y[40:], y[40:] == 1, ["x"] * 260)],
                                              ("top",), l2=1.0)
    assert np.allclose(weights, clean_weights) and math.isclose(intercept, clean_intercept)
    answered = figures(data, np.ones(300))  # everything above the threshold, but the 40 are never answered
    assert math.isclose(answered["false_answer_rate"], ((~(y_noisy == 1)) & needs_kb).sum() / (~(y_noisy == 1)).sum())

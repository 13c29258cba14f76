"""Passage splitting of short example lines, the confidence features and the logistic fit."""
from __future__ import annotations

import json
import math

import numpy as np

from appliance.ai.confidence import FEATURES, ConfidenceModel, features
from appliance.ai.fit_confidence import (LabelledSet, cross_validation_report, figures, fit_logistic, predict,
                                         transfer_report)
from appliance.rag.chunking import chunk_article
from appliance.rag.retrieval import Hit, Retrieval


def test_short_example_lines_stay_separate_passages():
    body = "i lost my card\nmy card is gone and i need a new one\nwhere did my card go"
    texts = [c.text for c in chunk_article("Lost card", body)]
    assert texts == ["Lost card", "i lost my card", "my card is gone and i need a new one", "where did my card go"]


def test_prose_wrapped_at_a_width_is_joined():
    body = ("This paragraph of prose was wrapped at about fifty\n"
            "characters by an editor, so its lines continue on\n"
            "the next one.")
    texts = [c.text for c in chunk_article("Wrapped", body)]
    assert texts[1:] == [body.replace("\n", " ")]


def _retrieval(question: str, semantics: list[float], coverage: float = 0.5) -> Retrieval:
    hits = [Hit(i, f"a{i}", i, "text", s, semantic=s, keyword=1.0 if i == 0 else 0.2) for i, s in enumerate(semantics)]
    return Retrieval(question, "hybrid", hits, keyword_coverage=coverage)


def test_features_use_the_best_other_article_and_question_length():
    values = features(_retrieval("how do i reset my password", [0.8, 0.5, 0.6]))
    assert set(values) == set(FEATURES)
    assert math.isclose(values["margin"], 0.2)
    assert math.isclose(values["qlen"], math.log1p(6))
    assert features(Retrieval("q", "hybrid")) == {name: 0.0 for name in FEATURES}


def test_model_scores_and_loads(tmp_path):
    path = tmp_path / "confidence.json"
    path.write_text(json.dumps({"note": "x", "intercept": -5.0, "weights": {"top": 10.0}}))
    model = ConfidenceModel.load(path)
    assert model.score(Retrieval("q", "hybrid")) == 0.0
    assert model.score(_retrieval("q", [0.9, 0.1])) > 0.98
    assert model.score(_retrieval("q", [0.2, 0.1])) < 0.05


def test_shipped_model_has_a_weight_for_every_feature():
    model = ConfidenceModel.load()
    assert set(model.weights) <= set(FEATURES)
    assert model.weights["best"] > 0 and model.weights["gap5"] > 0


def test_logistic_fit_recovers_known_coefficients():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 2)) * [1.0, 5.0]
    p = 1 / (1 + np.exp(-(0.5 + 2.0 * X[:, 0] - 0.4 * X[:, 1])))
    y = (rng.random(4000) < p).astype(float)
    intercept, weights = fit_logistic(X, y, l2=0.01)
    assert abs(intercept - 0.5) < 0.15
    assert np.allclose(weights, [2.0, -0.4], atol=0.15)
    assert np.abs(predict(intercept, weights, X) - p).mean() < 0.03


def test_transfer_report_and_figures():
    rng = np.random.default_rng(1)

    def fake(name: str) -> LabelledSet:
        X = rng.normal(size=(200, len(FEATURES)))
        y = (X[:, 0] > 0).astype(float)
        answerable = y == 1
        kinds = ["paraphrase" if a else ("out_of_domain" if i % 2 else "in_domain_unanswerable")
                 for i, a in enumerate(answerable)]
        return LabelledSet(name, X, y, answerable, kinds)

    sets = [fake("one"), fake("two")]
    lines = transfer_report(sets, ("top", "margin"), l2=1.0)
    assert len(lines) == 2 and "test on one" in lines[0]
    values = figures(sets[0], sets[0].y)
    assert values["auroc_in_domain"] == 1.0 and values["false_answer_rate"] == 0.0


def test_cross_validation_scores_every_question_out_of_sample():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, len(FEATURES)))
    y = (X[:, 0] + 0.3 * rng.normal(size=300) > 0).astype(float)
    kinds = ["paraphrase" if a else ("out_of_domain" if i % 2 else "in_domain_unanswerable") for i, a in enumerate(y == 1)]
    data = LabelledSet("set", X, y, y == 1, kinds)
    lines = cross_validation_report([data], ("top",), l2=1.0, folds=5)
    assert len(lines) == 1 and lines[0].startswith("5-fold cross-validation, on set")
    auroc_in = float(lines[0].split("auroc_in_domain=")[1].split()[0])
    assert 0.8 < auroc_in < 1.0  # a real signal, measured out of sample (noise keeps it below a perfect fit)

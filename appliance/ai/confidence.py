"""How likely retrieval found an article that answers the question: a logistic model over
retrieval features, fitted on labelled support questions with
``python -m appliance.ai.fit_confidence`` (see that module), its coefficients kept in
``models/confidence.json``. A score of 0.5 means "answering is right about half the time"."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from ..rag.retrieval import Retrieval
from ..resources import bundle_root

FEATURES = ("top", "margin", "keyword", "coverage", "qlen", "best", "gap5")


def features(retrieval: Retrieval) -> dict[str, float]:
    """The model's inputs for one retrieval (all 0 with no hits).

    - ``top``: cosine similarity of the top article's best passage to the question;
    - ``margin``: how far ``top`` is ahead of the best *other* article (a near tie means ambiguity);
    - ``keyword``: the top article's BM25 score relative to the best in the search (0..1);
    - ``coverage``: share of the question's words found in the top article's title and passage;
    - ``qlen``: log(1 + words in the question); short questions match by chance more easily;
    - ``best``: the highest similarity of any article in the search, whatever ranked first: whether the
      knowledge base discusses this sort of question at all. It equals ``top`` unless the ranking put
      another article first: a multi-turn conversation's topic (its own article answers for that
      subject) or, among near-equals, the passage vote;
    - ``gap5``: how far ``top`` is ahead of the least similar of the next four articles (of fewer
      when fewer were returned; of 0 with only one, as ``margin``): a question the KB answers stands out from its
      neighbours, a question it lacks sits among several equally loose matches.
    """
    hits = retrieval.hits
    if not hits:
        return {name: 0.0 for name in FEATURES}
    top = hits[0].semantic
    second = max((h.semantic for h in hits[1:]), default=0.0)
    others = sorted((h.semantic for h in hits[1:5]), reverse=True)
    return {"top": top, "margin": top - second, "keyword": hits[0].keyword,
            "coverage": retrieval.keyword_coverage, "qlen": math.log1p(len(retrieval.question.split())),
            "best": max(retrieval.best_semantic, top), "gap5": top - (others[-1] if others else 0.0)}


@dataclass(frozen=True)
class ConfidenceModel:
    intercept: float
    weights: dict[str, float]

    def logit(self, retrieval: Retrieval) -> float:
        """The linear score before the logistic squashing."""
        values = features(retrieval)
        return self.intercept + sum(self.weights.get(name, 0.0) * values[name] for name in FEATURES)

    def score(self, retrieval: Retrieval) -> float:
        """Probability (0..1) that the top article answers the question; 0 with no hits."""
        if not retrieval.hits:
            return 0.0
        z = self.logit(retrieval)
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def to_json(self) -> dict:
        return {"intercept": self.intercept, "weights": self.weights}

    @classmethod
    def load(cls, path: Path | None = None) -> "ConfidenceModel":
        path = path or bundle_root() / "models" / "confidence.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(float(data["intercept"]), {k: float(v) for k, v in data["weights"].items()})

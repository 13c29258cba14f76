"""How likely retrieval found an article that answers the question: a logistic model over
retrieval features, fitted on labelled support questions (see `python -m appliance eval --fit`),
its coefficients kept in ``models/confidence.json``."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from ..rag.retrieval import Retrieval
from ..resources import bundle_root

FEATURES = ("top", "margin", "keyword", "coverage")


def features(retrieval: Retrieval) -> dict[str, float]:
    hits = retrieval.hits
    if not hits:
        return {name: 0.0 for name in FEATURES}
    top = hits[0].semantic
    second = hits[1].semantic if len(hits) > 1 else 0.0
    return {"top": top, "margin": top - second, "keyword": hits[0].keyword, "coverage": retrieval.keyword_coverage}


@dataclass(frozen=True)
class ConfidenceModel:
    intercept: float
    weights: dict[str, float]

    def score(self, retrieval: Retrieval) -> float:
        """Probability (0..1) that the top article answers the question; 0 with no hits."""
        if not retrieval.hits:
            return 0.0
        values = features(retrieval)
        z = self.intercept + sum(self.weights.get(name, 0.0) * values[name] for name in FEATURES)
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def to_json(self) -> dict:
        return {"intercept": self.intercept, "weights": self.weights}

    @classmethod
    def load(cls, path: Path | None = None) -> "ConfidenceModel":
        path = path or bundle_root() / "models" / "confidence.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(float(data["intercept"]), {k: float(v) for k, v in data["weights"].items()})

"""Fit the confidence model's coefficients on labelled evaluation sets and check that they transfer.

    python -m appliance.ai.fit_confidence ../shared/eval/stackfaq ../shared/eval/banking77_oos \
        [--test-only ../shared/eval/dstc11_track5] [--write]

Each folder holds ``kb.jsonl`` and ``questions.jsonl`` (see the eval README). Every question is
retrieved for exactly as customers' are (``AIResponder.decide``); its label is 1 when it is
answerable and the top article is a gold one (answering would be right), else 0. The model is an
L2-regularised logistic regression over ``confidence.FEATURES`` fitted with Newton's method in
numpy, on all sets pooled, so 0.5 is the point where answering is right half the time. Before
writing, it reports leave-one-set-out figures (fit on the other sets, test on this one) and k-fold
cross-validated figures (``--folds``), which a held-out split of the same sets should confirm.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from ..evaluation import EvalRun, auroc, conversation_history, load_jsonl
from .confidence import FEATURES, features

# Features worth fitting (docs/reranking.md, "Answer or escalate"): the best similarity in the search, the
# top article's lead over the fifth and question length. ``margin`` and ``coverage`` added nothing next
# to ``gap5`` under cross-validation, BM25's relative score ("keyword") never did; they keep weight 0.
FITTED = ("best", "gap5", "qlen")
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "models" / "confidence.json"


@dataclass
class LabelledSet:
    """One evaluation set's questions as feature rows, labels and kinds."""

    name: str
    X: np.ndarray          # (n, len(FEATURES))
    y: np.ndarray          # 1 = answering with the top article is right
    answerable: np.ndarray
    kinds: list[str]
    needs_kb: np.ndarray | None = None   # False where the message is no question for the KB (confidence 0)


def collect(folder: Path, *, mode: str = "hybrid", progress: bool = True) -> LabelledSet:
    """Retrieve for every question of the set in ``folder`` and return its features and labels."""
    questions = load_jsonl(folder / "questions.jsonl")
    run = EvalRun(folder / "kb.jsonl", progress=progress)
    try:
        responder = run.services.responder
        rows, labels, needs_kb = [], [], []
        for q in questions:
            history = conversation_history(q.get("context") or [])  # both speakers, as the eval and customers
            decision = responder.decide(run.company, q["text"], history=history, mode=mode, k=10)
            retrieval = decision.retrieval
            needs_kb.append(decision.kind == "question")
            values = features(retrieval)
            rows.append([values[name] for name in FEATURES])
            top = run.kb_id[retrieval.hits[0].article_id] if retrieval.hits else None
            labels.append(bool(q.get("answerable")) and top in set(q.get("gold_ids") or []))
    finally:
        run.close()
    return LabelledSet(folder.name, np.asarray(rows, dtype=float), np.asarray(labels, dtype=float),
                       np.asarray([bool(q.get("answerable")) for q in questions]),
                       [q.get("kind") or "" for q in questions], np.asarray(needs_kb, dtype=bool))


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 50,
                 sample_weight: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """Intercept and weights of an L2-regularised, optionally weighted logistic regression
    (intercept not penalised).

    Features are standardised while fitting so one ``l2`` suits features of any scale; the
    returned coefficients are converted back to apply to the raw features."""
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    Z = np.hstack([np.ones((len(X), 1)), (X - mean) / scale])
    sw = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    w = np.zeros(Z.shape[1])
    penalty = np.eye(Z.shape[1]) * l2
    penalty[0, 0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(Z @ w, -60, 60)))
        gradient = Z.T @ (sw * (p - y)) + penalty @ w
        hessian = (Z * (sw * p * (1 - p))[:, None]).T @ Z + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    weights = w[1:] / scale
    return float(w[0] - weights @ mean), weights


def fit_sets(sets: list[LabelledSet], fitted: tuple[str, ...], l2: float) -> tuple[float, np.ndarray]:
    """Fit on the sets pooled, each set weighing the same in total (a set with more questions must
    not decide alone), over the ``fitted`` features; the others get weight 0. Messages that are no
    question for the KB (``needs_kb`` False) are left out: the model never scores them."""
    columns = [FEATURES.index(name) for name in fitted]
    kept = [(s, np.ones(len(s.y), dtype=bool) if s.needs_kb is None else s.needs_kb) for s in sets]
    kept = [(s, k) for s, k in kept if k.any()]  # a set (or fold) with no question for the KB adds nothing
    if not kept:
        raise ValueError("no question for the knowledge base to fit on")
    X = np.vstack([s.X[k][:, columns] for s, k in kept])
    y = np.concatenate([s.y[k] for s, k in kept])
    weight = np.concatenate([np.full(int(k.sum()), len(y) / (len(kept) * int(k.sum()))) for _, k in kept])
    intercept, weights = fit_logistic(X, y, l2, sample_weight=weight)
    full = np.zeros(len(FEATURES))
    full[columns] = weights
    return intercept, full


def predict(intercept: float, weights: np.ndarray, X: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(X @ weights + intercept, -60, 60)))


def figures(data: LabelledSet, p: np.ndarray, threshold: float = 0.5) -> dict[str, float | None]:
    """The eval's answer-or-escalate figures for confidences ``p`` on one set."""
    kinds = np.asarray(data.kinds)
    if data.needs_kb is not None:  # as AIResponder.decide: a message that is no question gets confidence 0
        p = np.where(data.needs_kb, p, 0.0)
    answerable, answered = data.answerable, p >= threshold
    in_domain, off_topic = kinds == "in_domain_unanswerable", kinds == "out_of_domain"
    n = max(1, int(answerable.sum()))
    return {
        "auroc": auroc(list(p[answerable]), list(p[~answerable])),
        "auroc_in_domain": auroc(list(p[answerable]), list(p[in_domain])),
        "auroc_out_of_domain": auroc(list(p[answerable]), list(p[off_topic])),
        "correct_deflection_rate": float((answered & (data.y == 1)).sum() / n),
        "false_answer_rate": float((answered & ~answerable).sum() / max(1, int((~answerable).sum()))),
    }


def transfer_report(sets: list[LabelledSet], fitted: tuple[str, ...], l2: float) -> list[str]:
    """Leave-one-set-out figures: fit on the other sets, measure on this one."""
    lines = []
    for held_out in sets:
        train = [s for s in sets if s is not held_out]
        if not train:
            continue
        b, w = fit_sets(train, fitted, l2)
        lines.append(f"fit on {'+'.join(s.name for s in train):<30} test on {held_out.name:<16} "
                     + _format(figures(held_out, predict(b, w, held_out.X))))
    return lines


def cross_validation_report(sets: list[LabelledSet], fitted: tuple[str, ...], l2: float, folds: int = 5,
                            seed: int = 0) -> list[str]:
    """K-fold figures: every question is scored by a model fitted (as ``fit_sets``, all sets pooled)
    without its own fold, so the figures are out-of-sample like a held-out split's."""
    rng = np.random.default_rng(seed)
    fold_of = [rng.permutation(len(s.y)) % folds for s in sets]
    scores = [np.zeros(len(s.y)) for s in sets]
    for fold in range(folds):
        train = [LabelledSet(s.name, s.X[f != fold], s.y[f != fold], s.answerable[f != fold],
                             [k for k, keep in zip(s.kinds, f != fold) if keep],
                             None if s.needs_kb is None else s.needs_kb[f != fold]) for s, f in zip(sets, fold_of)]
        b, w = fit_sets(train, fitted, l2)
        for s, f, p in zip(sets, fold_of, scores):
            p[f == fold] = predict(b, w, s.X[f == fold])
    return [f"{folds}-fold cross-validation, on {s.name:<16} " + _format(figures(s, p)) for s, p in zip(sets, scores)]


def _format(values: dict[str, float | None]) -> str:
    return "  ".join(f"{k}={'n/a' if v is None else f'{v:.3f}'}" for k, v in values.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m appliance.ai.fit_confidence", description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", type=Path, help="evaluation set folders (kb.jsonl + questions.jsonl)")
    parser.add_argument("--l2", type=float, default=1.0, help="ridge penalty on standardised features")
    parser.add_argument("--features", default=",".join(FITTED),
                        help=f"comma-separated features to fit, of {', '.join(FEATURES)}")
    parser.add_argument("--folds", type=int, default=5, help="folds of the cross-validation report (at least 2)")
    parser.add_argument("--test-only", nargs="*", type=Path, default=[], metavar="FOLDER",
                        help="evaluation sets only to report on, with the model fitted on the others (transfer)")
    parser.add_argument("--write", action="store_true", help="write the pooled fit to --out")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    fitted = tuple(name.strip() for name in args.features.split(",") if name.strip())
    if args.folds < 2:
        parser.error("--folds must be at least 2")
    unknown = set(fitted) - set(FEATURES)
    if unknown:
        parser.error(f"unknown features: {', '.join(sorted(unknown))}")
    sets = [collect(folder, progress=sys.stderr.isatty()) for folder in args.folders]
    for line in transfer_report(sets, fitted, args.l2) + cross_validation_report(sets, fitted, args.l2, args.folds):
        print(line)
    intercept, weights = fit_sets(sets, fitted, args.l2)
    for s in sets:
        print(f"pooled fit, on {s.name:<16} " + _format(figures(s, predict(intercept, weights, s.X))))
    for folder in args.test_only:
        s = collect(folder, progress=sys.stderr.isatty())
        print(f"pooled fit, not fitted on {s.name:<16} " + _format(figures(s, predict(intercept, weights, s.X))))
    model = {
        "note": (f"Fitted {date.today().isoformat()} by `python -m appliance.ai.fit_confidence` (L2={args.l2}) on "
                 f"the dev splits of {', '.join(s.name for s in sets)} pooled, each set weighing the same "
                 f"({sum(len(s.y) for s in sets)} questions; label = answerable and top-1 article correct; "
                 f"fitted features: {', '.join(fitted)})."),
        "intercept": round(intercept, 4),
        "weights": {name: round(float(v), 4) for name, v in zip(FEATURES, weights)},
    }
    print(json.dumps(model, indent=2))
    if args.write:
        args.out.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

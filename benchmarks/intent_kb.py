"""Ranking on an intent-style knowledge base whose example lines match their titles, with the passage
vote off and on (``retrieval_vote_weight``; docs/reranking.md).

The banking77_oos dev knowledge base lists, under most intent titles, another intent's example
questions, so it cannot show how Hearth ranks a well-kept intent list. This builds one from the same
dev data: per intent, the title as is and, as the body, 10 of that intent's dev questions (every
other one, in file order); the intent's remaining dev questions are asked, with every unanswerable
one. Fold 1 swaps the halves.

    python -m benchmarks.intent_kb [FOLD ...]      # default: folds 0 and 1
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from benchmarks.ai import EVAL
from appliance.evaluation import EvalRun, load_jsonl, summarise

SOURCE = EVAL / "banking77_oos"
EXAMPLES = 10
FIGURES = ("recall_at_1", "recall_at_5", "mrr", "auroc_in_domain", "auroc_out_of_domain",
           "correct_deflection_rate", "wrong_answer_rate", "false_answer_rate")


def build(fold: int, folder: Path) -> tuple[Path, list[dict]]:
    """The clean knowledge base of this fold (written to ``folder``) and the questions to ask."""
    kb, questions = load_jsonl(SOURCE / "kb.jsonl"), load_jsonl(SOURCE / "questions.jsonl")
    rows, asked = [], []
    for article in kb:
        own = [q for q in questions if q["gold_ids"][:1] == [article["id"]]]
        examples = [q for i, q in enumerate(own) if i % 2 == fold][:EXAMPLES]
        asked += [q for i, q in enumerate(own) if i % 2 != fold]
        rows.append({"id": article["id"], "title": article["title"],
                     "body": "\n".join(q["text"].replace("\n", " ") for q in examples)})
    asked += [q for q in questions if not q["answerable"]]
    path = folder / f"intents-{fold}.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path, asked


def main() -> None:
    folds = [int(arg) for arg in sys.argv[1:]] or [0, 1]
    with tempfile.TemporaryDirectory(prefix="hearth-intents-") as tmp:
        for fold in folds:
            path, asked = build(fold, Path(tmp))
            run = EvalRun(path, progress=False)
            try:
                responder = run.services.responder
                for weight in (0.0, responder.retriever.vote_weight or 0.1):
                    responder.retriever.vote_weight = weight
                    rows = []
                    for q in asked:
                        decision = responder.decide(run.company, q["text"], history=[], mode="hybrid", k=10)
                        ranked = [run.kb_id[h.article_id] for h in decision.retrieval.hits]
                        rank = next((i + 1 for i, kb_id in enumerate(ranked) if kb_id in q["gold_ids"]), None)
                        rows.append({"qid": q["qid"], "answerable": q["answerable"], "kind": q["kind"], "rank": rank,
                                     "confidence": decision.confidence, "answered": decision.answer,
                                     "top": ranked[0] if ranked else None, "ms": 0.0, "provider": None})
                    summary = summarise(rows, threshold=decision.threshold, mode="hybrid")
                    print(f"fold {fold}, {len(asked)} questions, vote weight {weight}: "
                          + "  ".join(f"{name} {summary[name]:.3f}" for name in FIGURES), flush=True)
            finally:
                run.close()


if __name__ == "__main__":
    main()

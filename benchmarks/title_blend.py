"""What the title blend (``retrieval_title_weight``) costs per search, interleaved with the
best-passage ranking on the same index, without the question's embedding (docs/reranking.md).

    python -m benchmarks.title_blend [SET]      # SET: a folder of ../shared/eval, default dstc11_track5
"""
from __future__ import annotations

import sys
import time

from benchmarks.ai import EVAL, line
from appliance.evaluation import EvalRun, load_jsonl
from appliance.rag.retrieval import Retriever

QUESTIONS = 400


def main() -> None:
    folder = EVAL / (sys.argv[1] if len(sys.argv) > 1 else "dstc11_track5")
    run = EvalRun(folder / "kb.jsonl", progress=False)
    try:
        shipped = run.services.responder.retriever
        questions = [q["text"] for q in load_jsonl(folder / "questions.jsonl")][:QUESTIONS]
        vectors = shipped.embedder.embed(questions)
        variants = {weight: Retriever(shipped.embedder, shipped.vectors, shipped.keywords, title_weight=weight)
                    for weight in (0.0, 0.5)}
        started = time.perf_counter()
        variants[0.5].titles(run.company.id)
        print(f"{folder.name}: {shipped.vectors.count(run.company.id)} passages; title vectors cached in "
              f"{(time.perf_counter() - started) * 1000:.0f} ms (once per change of the company's articles)")
        samples: dict[float, list[float]] = {weight: [] for weight in variants}
        for _ in range(2):
            for question, vector in zip(questions, vectors):
                for weight, retriever in variants.items():
                    started = time.perf_counter()
                    retriever.search(run.company.id, question, k=10, query_vector=vector)
                    samples[weight].append((time.perf_counter() - started) * 1000)
        for weight, values in samples.items():
            line(f"search, title weight {weight}", values)
    finally:
        run.close()


if __name__ == "__main__":
    main()

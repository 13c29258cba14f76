"""AI speed benchmark: embedding, indexing, retrieval at 10k/100k chunks beside exact search,
pipeline overhead to the first token, cached answers.

    python -m benchmarks.ai [--quick]

Runs on loopback only (the model server is Hearth's Ollama test double, answering instantly, so
what is timed is Hearth's own work), bounded in size and time, and prints percentiles and ratios.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from appliance.db import close_database, open_database  # noqa: E402
from appliance.evaluation import load_jsonl, percentile  # noqa: E402
from appliance.events import EventBus  # noqa: E402
from appliance.kb_import import parse_file  # noqa: E402
from appliance.rag.minilm import MiniLMEmbedder  # noqa: E402
from appliance.rag.vectors import VectorStore  # noqa: E402
from appliance.services import Services  # noqa: E402
from appliance.settings import Settings  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"


def ms(seconds: float) -> float:
    return seconds * 1000


def line(label: str, samples_ms: list[float], extra: str = "") -> None:
    print(f"  {label:<44} p50 {percentile(samples_ms, 50):7.2f} ms   p95 {percentile(samples_ms, 95):7.2f} ms"
          f"   n={len(samples_ms)} {extra}")


def bench_embedding(embedder: MiniLMEmbedder) -> None:
    words = ("please tell me how long it takes for my refund to arrive after i return the bike to your "
             "shop in town").split()
    sentences = [" ".join(np.random.default_rng(i).permutation(words)[:20]) for i in range(600)]
    embedder.embed(sentences[:32])
    start = time.perf_counter()
    embedder.embed(sentences)
    rate = len(sentences) / (time.perf_counter() - start)
    print(f"embedding: {rate:.0f} twenty-word sentences/s on this machine (target >= 300: {rate / 300:.2f}x)")


def bench_search_scale(embedder: MiniLMEmbedder, base: np.ndarray, queries: np.ndarray, sizes: list[int]) -> None:
    print("retrieval: Chroma HNSW vs exact brute-force search of the same vectors")
    rng = np.random.default_rng(7)
    for size in sizes:
        # Synthetic passages spread like real ones: each a random blend of two real passage vectors
        # plus noise (plain copies with tiny noise would make near-ties that no index can order).
        a, b = rng.integers(0, len(base), size), rng.integers(0, len(base), size)
        mix = rng.uniform(0.2, 0.8, (size, 1)).astype(np.float32)
        vectors = mix * base[a] + (1 - mix) * base[b] + rng.normal(0, 0.03, (size, base.shape[1])).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        with tempfile.TemporaryDirectory() as tmp:
            store = VectorStore(Path(tmp))
            start = time.perf_counter()
            for i in range(0, size, 5000):
                ids = list(range(i, min(i + 5000, size)))
                store.upsert(1, ids, [0] * len(ids), vectors[i:i + 5000])
            load_s = time.perf_counter() - start
            hnsw, exact, agree = [], [], 0
            for q in queries:
                t = time.perf_counter()
                got = store.search(1, q, 10)
                hnsw.append(ms(time.perf_counter() - t))
                t = time.perf_counter()
                best = np.argpartition(-(vectors @ q), 10)[:10]
                exact.append(ms(time.perf_counter() - t))
                agree += len({i for i, _ in got} & set(best.tolist())) / 10
            print(f" {size:>7} chunks (inserted at {size / load_s:,.0f}/s):")
            line("Chroma HNSW top-10", hnsw, f"recall@10 vs exact {agree / len(queries):.3f}")
            line("exact numpy top-10 (baseline)", exact,
                 f"ratio p95 {percentile(hnsw, 95) / max(percentile(exact, 95), 1e-9):.2f}x")


def bench_pipeline(quick: bool) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.llm.fake_ollama import FakeOllama

    kb_path = EVAL / "dstc11_track5" / "kb.jsonl"
    questions = [q for q in load_jsonl(EVAL / "dstc11_track5" / "questions.jsonl") if q.get("answerable")]
    questions = questions[:60 if quick else 200]
    with tempfile.TemporaryDirectory() as tmp, FakeOllama(answer="Yes, that is right [1].") as fake:
        settings = Settings.load({"data_dir": tmp, "embedder": "minilm", "ollama_host": fake.url,
                                  "ollama_model": "llama3.2:3b"}, environ={})
        open_database(settings.database_path)
        services = Services.build(settings, EventBus())
        company, admin = services.companies.create(name="Bench", slug="bench", admin_email="b@bench.invalid",
                                                   admin_password="benchmark-password")
        services.companies.update(company, admin, settings={"ai_confidence_threshold": 0.0})
        records = parse_file(kb_path, max_bytes=None)
        start = time.perf_counter()
        services.importer.import_articles(company, admin, records)
        seconds = time.perf_counter() - start
        chunks = services.knowledge.vectors.count(company.id)
        from appliance.domain.models import ArticleChunk
        words = [len(c.text.split()) for c in ArticleChunk.select(ArticleChunk.text)]
        print(f"indexing: {len(records)} articles, {chunks} chunks (mean {statistics.fmean(words):.0f} words) in "
              f"{seconds:.1f} s = {chunks / seconds:.0f} chunks/s (target >= 200: {chunks / seconds / 200:.2f}x)")
        customer, _ = services.customers.start_visit(company)
        responder = services.responder

        overhead, cached, model = [], [], []
        for i, q in enumerate(questions):
            t0 = time.perf_counter()
            ticket, message, _ = services.tickets.post_customer_message(company, customer, text=q["text"],
                                                                        client_id=f"b{i}")
            answer = services.tickets.messages(ticket, include_private=True)[-1]
            total = time.perf_counter() - t0
            if answer.author_role != "ai" or answer.metadata.get("first_token_ms") is None:
                continue
            # The test double answers at once, so this is Hearth's own time (plus one loopback round trip).
            overhead.append(answer.metadata["first_token_ms"])
            model.append(ms(total) - answer.metadata["first_token_ms"])
            other, _ = services.customers.start_visit(company)  # the cache serves another customer's first question
            t1 = time.perf_counter()
            again, _, _ = services.tickets.post_customer_message(company, other, text=q["text"], client_id=f"c{i}")
            cached.append(ms(time.perf_counter() - t1))
            for done in (ticket, again):
                services.tickets.update(company, admin, done.id, status="resolved")
        print(f"pipeline at {chunks} chunks (model server: Hearth's Ollama test double on loopback)")
        line("customer message -> first AI token", overhead, "(target p95 <= 50 ms)")
        line("  first token -> reply stored", model)
        line("cached answer, message -> stored reply", cached, "(target p95 <= 20 ms)")
        print(f"  cache: {responder.cache.stats(company.id)}")
        close_database()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10k chunks only and fewer questions")
    args = parser.parse_args()
    print(f"Hearth AI benchmark, {time.strftime('%Y-%m-%d')}")
    with tempfile.TemporaryDirectory() as models:
        embedder = MiniLMEmbedder(Path(models))
        bench_embedding(embedder)
        kb = load_jsonl(EVAL / "dstc11_track5" / "kb.jsonl")[:2000]
        base = embedder.embed([f"{a['title']}\n{a['body']}" for a in kb])
        qs = load_jsonl(EVAL / "dstc11_track5" / "questions.jsonl")[:100]
        queries = embedder.embed([q["text"] for q in qs])
        bench_search_scale(embedder, base, queries, [10_000] if args.quick else [10_000, 100_000])
    bench_pipeline(args.quick)


if __name__ == "__main__":
    main()

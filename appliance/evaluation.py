"""Measuring the AI on labelled support data: the same retrieval, confidence and
answer-or-escalate decision customers get, in a throw-away data dir."""
from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from .db import close_database, open_database
from .errors import HearthError
from .events import EventBus
from .kb_import import parse_file
from .services import Services
from .settings import Settings

EVAL_PASSWORD = "evaluation-only-password"


class EvalDataError(HearthError):
    """A labelled-data file the evaluation cannot use; the message names the file and line."""


def _numbered_rows(path: Path) -> list[tuple[int, Any]]:
    """(line number, value) for every non-blank line of a UTF-8 JSON Lines file."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise EvalDataError(f"{path}, line {line}: not UTF-8 text (byte {exc.start} cannot be decoded); "
                            "save the file as UTF-8") from None
    rows = []
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if line.strip():
            try:
                rows.append((number, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise EvalDataError(f"{path}, line {number}: not valid JSON ({exc})") from None
            except ValueError:  # Python refuses integers of thousands of digits
                raise EvalDataError(f"{path}, line {number}: holds a number too long to read") from None
            except RecursionError:
                raise EvalDataError(f"{path}, line {number}: nested too deeply to read") from None
    return rows


def load_jsonl(path: Path) -> list[Any]:
    """Every non-blank line of a JSON Lines file, parsed (EvalDataError names the line it cannot read)."""
    return [row for _, row in _numbered_rows(path)]


def load_questions(path: Path) -> list[dict]:
    """questions.jsonl (format in ../shared/eval/README.md), each row checked for what the evaluation reads.
    Article ids in "gold_ids" may be strings or numbers, as in kb.jsonl; they are compared as text."""
    questions = []
    for number, q in _numbered_rows(path):
        where = f"{path}, line {number}"
        if not isinstance(q, dict):
            raise EvalDataError(f"{where}: each line must be a JSON object, not {type(q).__name__}")
        if not isinstance(q.get("text"), str) or not q["text"].strip():
            raise EvalDataError(f'{where}: "text" must be the question, a non-empty string')
        gold = q.get("gold_ids", [])
        if not isinstance(gold, list) or not all(
                isinstance(g, str) or (isinstance(g, int) and not isinstance(g, bool)) for g in gold):
            raise EvalDataError(f'{where}: "gold_ids" must be a list of article ids, like ["sf-000"]')
        q["gold_ids"] = [str(g).strip() for g in gold]  # as kb.jsonl's ids are read
        context = q.get("context") or []
        if not isinstance(context, list) or not all(isinstance(t, dict) and isinstance(t.get("text", ""), str)
                                                   for t in context):
            raise EvalDataError(f'{where}: "context" must be a list of turns like {{"speaker": "U", "text": "..."}}')
        questions.append(q)
    if not questions:
        raise EvalDataError(f"{path} holds no questions")
    return questions


def auroc(positives: list[float], negatives: list[float]) -> float | None:
    """Probability that a random positive scores above a random negative (ties count half)."""
    if not positives or not negatives:
        return None
    ranked = sorted([(s, 1) for s in positives] + [(s, 0) for s in negatives])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        average_rank = (i + j + 1) / 2  # 1-based ranks i+1..j
        rank_sum += average_rank * sum(1 for k in range(i, j) if ranked[k][1])
        i = j
    n_pos, n_neg = len(positives), len(negatives)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def conversation_history(context: list[dict]) -> list[tuple[str, str]]:
    """A question's earlier turns as the product sees them: (role, text) pairs, oldest first, the
    customer's turns ("U") as "user" and the AI's or agents' replies as "assistant"."""
    return [("user" if turn.get("speaker") == "U" else "assistant", turn["text"])
            for turn in context if turn.get("text")]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


class EvalRun:
    """A temporary Hearth holding one company whose knowledge base is the evaluation KB."""

    def __init__(self, kb_path: Path, *, embedder: str = "minilm", progress: bool = True):
        self._tmp = tempfile.TemporaryDirectory(prefix="hearth-eval-")
        self.settings = Settings.load({"data_dir": self._tmp.name, "embedder": embedder}, environ={})
        open_database(self.settings.database_path)
        self.services = Services.build(self.settings, EventBus())
        self.company, admin = self.services.companies.create(
            name="Evaluation", slug="evaluation", admin_email="eval@hearth.invalid", admin_password=EVAL_PASSWORD)
        records = parse_file(kb_path, max_bytes=None, max_pages=None)
        bar = _bar(len(records), "indexing KB", progress)
        self.services.importer.import_articles(self.company, admin, records, progress=bar.update)
        bar.close()
        from .domain.models import Article
        ids = [a.id for a in Article.select(Article.id).where(Article.company == self.company).order_by(Article.id)]
        # import keeps the file's order, so the n-th article is the n-th record
        self.kb_id = {article_id: record.source.rsplit("#", 1)[-1] for article_id, record in zip(ids, records)}

    def close(self) -> None:
        close_database()
        self._tmp.cleanup()


def evaluate(kb_path: Path, questions_path: Path, *, mode: str = "hybrid", generate: bool = False,
             threshold: float | None = None, embedder: str = "minilm", progress: bool = True) -> dict[str, Any]:
    questions = load_questions(questions_path)
    run = EvalRun(kb_path, embedder=embedder, progress=progress)
    try:
        responder = run.services.responder
        if threshold is not None:
            run.services.companies.update(run.company, None, settings={"ai_confidence_threshold": threshold})
        rows = []
        bar = _bar(len(questions), "asking", progress)
        for q in questions:
            history = conversation_history(q.get("context") or [])
            started = time.perf_counter()
            decision = responder.decide(run.company, q["text"], history=history, mode=mode, k=10)
            answer_text, provider = None, None
            if generate and decision.answer:
                result = responder.draft(run.company, q["text"], decision)
                answer_text, provider = result.text, result.provider
            elapsed_ms = (time.perf_counter() - started) * 1000
            ranked = [run.kb_id[h.article_id] for h in decision.retrieval.hits]
            gold = set(q.get("gold_ids") or [])
            rank = next((i + 1 for i, kb_id in enumerate(ranked) if kb_id in gold), None)
            rows.append({"qid": q.get("qid"), "answerable": bool(q.get("answerable")), "kind": q.get("kind"),
                         "rank": rank, "confidence": decision.confidence, "answered": decision.answer,
                         "top": ranked[0] if ranked else None, "ms": elapsed_ms, "provider": provider,
                         "answer": answer_text})
            bar.update(1)
        bar.close()
        return summarise(rows, threshold=decision.threshold if rows else threshold, mode=mode)
    finally:
        run.close()


def summarise(rows: list[dict], *, threshold: float | None, mode: str) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    in_domain = [r for r in unanswerable if r["kind"] == "in_domain_unanswerable"]
    off_topic = [r for r in unanswerable if r["kind"] == "out_of_domain"]
    n = len(answerable) or 1
    conf = lambda group: [r["confidence"] for r in group]  # noqa: E731
    times = [r["ms"] for r in rows]
    summary = {
        "retriever": mode,
        "n_questions": len(rows),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "recall_at_1": sum(1 for r in answerable if r["rank"] == 1) / n,
        "recall_at_5": sum(1 for r in answerable if r["rank"] and r["rank"] <= 5) / n,
        "mrr": sum(1 / r["rank"] for r in answerable if r["rank"]) / n,
        "auroc": auroc(conf(answerable), conf(unanswerable)),
        "auroc_in_domain": auroc(conf(answerable), conf(in_domain)),
        "auroc_out_of_domain": auroc(conf(answerable), conf(off_topic)),
        "threshold": threshold,
        "correct_deflection_rate": sum(1 for r in answerable if r["answered"] and r["rank"] == 1) / n,
        "wrong_answer_rate": sum(1 for r in answerable if r["answered"] and r["rank"] != 1) / n,
        "false_answer_rate": (sum(1 for r in unanswerable if r["answered"]) / len(unanswerable)
                              if unanswerable else None),
        "false_answer_rate_in_domain": (sum(1 for r in in_domain if r["answered"]) / len(in_domain)
                                        if in_domain else None),
        "false_answer_rate_out_of_domain": (sum(1 for r in off_topic if r["answered"]) / len(off_topic)
                                            if off_topic else None),
        "p50_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
        "mean_ms": statistics.fmean(times) if times else 0.0,
    }
    providers = [r["provider"] for r in rows if r["provider"]]
    if providers:
        summary["answers_by_provider"] = {p: providers.count(p) for p in sorted(set(providers))}
    return summary


def format_table(summary: dict[str, Any]) -> str:
    lines = []
    for key, value in summary.items():
        if isinstance(value, float):
            value = f"{value:.4f}" if not key.endswith("_ms") else f"{value:.1f}"
        elif value is None:
            value = "n/a"
        elif isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        lines.append(f"{key:<34} {value}")
    return "\n".join(lines)


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _bar(total: int, label: str, enabled: bool):
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="q" if label == "asking" else "art", leave=False)

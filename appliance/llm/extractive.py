"""The model-free last resort: quote the sentences of the best passage that best match the question."""
from __future__ import annotations

import logging
import re
from typing import Iterator

from appliance.llm.base import GenerationRequest, Passage, ProviderStatus
from appliance.llm.plaintext import text_blocks

logger = logging.getLogger(__name__)

NO_ANSWER = "I don't have an answer to that in our help articles. A person from our team will help you."
MAX_SENTENCES = 3
MAX_QUOTE_CHARS = 600

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOPWORDS = frozenset("""
a an and are as at be been but by can could do does did for from had has have how i if in into is it its
me my no not of on or our so than that the their them then there these they this to too was we were what
when where which who why will with would you your yours please hi hello thanks thank
""".split())


class ExtractiveProvider:
    """Answers without any model by quoting 1–3 sentences of the best passage; always available."""

    name = "extractive"
    model = "extractive"

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Yield the quoted sentences one at a time, then where they come from."""
        question = _terms(request.question)
        if not request.passages:
            yield NO_ANSWER
            return
        best = max(request.passages, key=lambda p: (p.score, _overlap(question, _terms(p.title + " " + p.text))))
        sentences = pick_sentences(best, question)
        if not sentences:
            yield NO_ANSWER
            return
        for i, sentence in enumerate(sentences):
            yield sentence if i == 0 else " " + sentence
        yield f"\n\n— from “{best.title.strip()}”"

    def status(self) -> ProviderStatus:
        """Always available: it needs nothing but the passages."""
        return ProviderStatus(self.name, True, "Always available: quotes the best matching help article.",
                              [self.model])


def pick_sentences(passage: Passage, question: set[str]) -> list[str]:
    """The passage's most relevant sentences (by words shared with the question), in their original
    order, as plain text: Markdown marks are dropped and headings are never quoted."""
    sentences = [" ".join(s.split()) for block in text_blocks(passage.text) if not block.heading
                 for s in _SENTENCE_END.split(block.text) if s and s.strip()]
    if not sentences:
        return []
    scored = [(_overlap(question, _terms(s)), i) for i, s in enumerate(sentences)]
    ranked = sorted((item for item in scored if item[0] > 0), key=lambda item: (-item[0], item[1]))
    if not ranked:  # nothing matches word for word: the passage was still retrieved, so quote its opening
        chosen = [0]
    else:
        top_score = ranked[0][0]
        # keep the best sentence, plus others that are nearly as relevant
        chosen = [i for score, i in ranked[:MAX_SENTENCES] if score * 2 >= top_score]
    picked, length = [], 0
    for i in sorted(chosen):
        if picked and length + len(sentences[i]) > MAX_QUOTE_CHARS:
            break
        picked.append(sentences[i])
        length += len(sentences[i])
    return picked


def _terms(text: str) -> set[str]:
    """Content words of a text, lower-cased and crudely singularised."""
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())}


def _stem(word: str) -> str:
    """Just enough stemming that 'refunds' matches 'refund' and 'shipping' matches 'shipped'."""
    if word.endswith("ss"):
        return word
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _overlap(question: set[str], words: set[str]) -> int:
    """How many of the question's words appear."""
    return len(question & words)

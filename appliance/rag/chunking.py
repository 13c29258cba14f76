"""Split an article into the small passages retrieval matches against.

An article becomes: its title (what an FAQ article answers, phrased as people ask it), then its
body cut along headings, paragraphs and stand-alone lines (a list of example questions, a line per
step) into passages of at most ``MAX_WORDS`` words; a longer paragraph is cut into overlapping
windows. Each passage remembers its section heading. Matching small passages and taking the best
per article beats embedding whole articles, whose meaning gets averaged away.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
LIST_ITEM_RE = re.compile(r"^\s*([-*+]|\d+[.)])\s+")
SENTENCE_END = (".", "?", "!", ":", ";")
MAX_WORDS = 120
OVERLAP_WORDS = 20


@dataclass(frozen=True)
class Chunk:
    position: int
    heading: str
    text: str
    is_title: bool = False


def _is_soft_wrap(line: str, next_line: str) -> bool:
    """Could ``line`` continue on ``next_line`` (prose wrapped at a width) rather than end there?"""
    return (not line.rstrip().endswith(SENTENCE_END) and not LIST_ITEM_RE.match(next_line)
            and next_line[:1].islower())


def _wrapped_at_a_width(lines: list[str]) -> bool:
    """Were this paragraph's line breaks made by wrapping at a width, not by the author?

    Wrapping breaks a line only where the next word would not have fitted, so every break that
    could be a wrap must leave no room (under the longest line's length) for the next line's first
    word. One break with room to spare means the author chose the breaks: a list of short
    lower-case example questions ("i lost my card" / "where did my card go") stays one per line."""
    width = max((len(line) for line in lines), default=0)
    return all(len(line) + 1 + len(following.split(maxsplit=1)[0]) > width
               for line, following in zip(lines, lines[1:]) if _is_soft_wrap(line, following))


def _units(lines: list[str]) -> list[str]:
    """A paragraph's lines joined where they are wrapped prose, kept apart where each stands alone."""
    lines = [line.strip() for line in lines]
    wrapped = _wrapped_at_a_width(lines)
    units: list[str] = []
    current = ""
    for i, line in enumerate(lines):
        current = f"{current} {line}".strip()
        if i + 1 == len(lines) or not (wrapped and _is_soft_wrap(line, lines[i + 1])):
            units.append(current)
            current = ""
    return [u for u in units if u]


def _windows(text: str, size: int, overlap: int) -> list[str]:
    words = text.split()
    if len(words) <= size:
        return [text]
    step = size - overlap
    return [" ".join(words[start:start + size]) for start in range(0, max(len(words) - overlap, 1), step)]


def chunk_article(title: str, body: str, *, max_words: int = MAX_WORDS,
                  overlap: int = OVERLAP_WORDS) -> list[Chunk]:
    chunks = [Chunk(0, "", title.strip(), is_title=True)] if title.strip() else []
    heading = ""
    paragraph: list[str] = []

    def flush() -> None:
        for unit in _units(paragraph):
            for window in _windows(unit, max_words, overlap):
                chunks.append(Chunk(len(chunks), heading, window))
        paragraph.clear()

    for line in body.splitlines():
        match = HEADING_RE.match(line)
        if match:
            flush()
            heading = match.group(2).strip()
        elif not line.strip():
            flush()
        else:
            paragraph.append(line)
    flush()
    return chunks


def passage_around(body: str, matched: str, budget: int) -> str:
    """Up to ``budget`` characters of the article, from the start or, when the matched passage lies
    further in, centred on it: the context a model gets for this article."""
    if len(body) <= budget:
        return body
    anchor = body.find(matched[:80]) if matched else -1
    if anchor == -1 or anchor + len(matched) <= budget:
        start = 0
    else:
        start = max(0, anchor - budget // 3)
    window = body[start:start + budget]
    if start > 0:
        window = "…" + window[window.find(" ") + 1:]
    if start + budget < len(body):
        window = window[:window.rfind(" ")] + "…"
    return window

"""Split an article into overlapping chunks along its headings and paragraphs."""
from __future__ import annotations

import re
from dataclasses import dataclass

HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
MAX_CHARS = 900
OVERLAP_CHARS = 150


@dataclass(frozen=True)
class Chunk:
    position: int
    heading: str
    text: str


def _sections(body: str) -> list[tuple[str, list[str]]]:
    """(heading, paragraphs) in order; text before the first heading has heading ''."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    paragraph: list[str] = []

    def flush():
        if paragraph:
            sections[-1][1].append(" ".join(line.strip() for line in paragraph).strip())
            paragraph.clear()

    for line in body.splitlines():
        match = HEADING_RE.match(line)
        if match:
            flush()
            sections.append((match.group(2).strip(), []))
        elif not line.strip():
            flush()
        else:
            paragraph.append(line)
    flush()
    return [(h, [p for p in ps if p]) for h, ps in sections if any(ps)]


def _split_long(paragraph: str, limit: int) -> list[str]:
    """A paragraph longer than ``limit`` cut at sentence ends (or spaces) into pieces."""
    if len(paragraph) <= limit:
        return [paragraph]
    pieces, current = [], ""
    for sentence in re.split(r"(?<=[.!?])\s+", paragraph):
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            head, sentence = sentence[:cut], sentence[cut:].lstrip()
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
        if current and len(current) + 1 + len(sentence) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        pieces.append(current)
    return pieces


def _tail(text: str, chars: int) -> str:
    """The last ``chars`` characters of ``text``, starting at a word boundary."""
    if len(text) <= chars:
        return text
    cut = text.find(" ", len(text) - chars)
    return text[cut + 1:] if cut != -1 else text[-chars:]


def chunk_article(body: str, *, max_chars: int = MAX_CHARS, overlap: int = OVERLAP_CHARS) -> list[Chunk]:
    """Chunks of at most about ``max_chars``; each carries its section heading, and a chunk that
    continues a section starts with the last ``overlap`` characters of the previous one."""
    chunks: list[Chunk] = []
    for heading, paragraphs in _sections(body):
        current = ""
        for paragraph in paragraphs:
            for piece in _split_long(paragraph, max_chars):
                if current and len(current) + 2 + len(piece) > max_chars:
                    chunks.append(Chunk(len(chunks), heading, current))
                    current = f"{_tail(current, overlap)} {piece}".strip() if overlap else piece
                else:
                    current = f"{current}\n\n{piece}" if current else piece
        if current:
            chunks.append(Chunk(len(chunks), heading, current))
    return chunks

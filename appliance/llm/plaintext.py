"""An article's Markdown as the plain text a customer reads: what a quoted answer may show.

Articles are written in Markdown (the console's editor, .md imports). A quote of one used to carry
its markup to the customer ("…a **two-year warranty**…", "## Shipping …"), since the widget shows
text as text. Headings are kept apart from the other blocks: they name a topic, they answer nothing.
Text that is not Markdown at all (plain .txt, kb.jsonl bodies) comes through unchanged, line for line."""
from __future__ import annotations

from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

@dataclass(frozen=True)
class Block:
    text: str
    heading: bool = False


def text_blocks(markdown: str) -> list[Block]:
    """The blocks of ``markdown`` (paragraphs, list items, headings, code) as plain text, in order.
    Line breaks inside a block are kept: a line is where a quote may start or stop."""
    blocks: list[Block] = []
    heading = False
    for token in MarkdownIt("commonmark").parse(markdown):
        if token.type == "heading_open":
            heading = True
        elif token.type == "heading_close":
            heading = False
        elif token.type == "inline":
            text = _inline_text(token.children or [])
            if text.strip():
                blocks.append(Block(text.strip(), heading))
        elif token.type in ("fence", "code_block"):
            if token.content.strip():
                blocks.append(Block(token.content.strip()))
        elif token.type == "html_block" and token.content.strip():  # shown as written, as the widget shows it
            blocks.append(Block(token.content.strip()))
    return blocks


def _inline_text(children: list[Token]) -> str:
    """A block's inline tokens as text: emphasis and code marks dropped, a link as its text followed
    by its address (a customer needs the address; an autolink is its address already)."""
    parts: list[str] = []
    links: list[tuple[str, int]] = []  # (href, where the link's text starts in parts)
    for child in children:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)  # its alt text
        elif child.type == "link_open":
            links.append((str(child.attrs.get("href") or ""), len(parts)))
        elif child.type == "link_close" and links:
            href, start = links.pop()
            address = href.removeprefix("mailto:")
            if address and "".join(parts[start:]).strip() != address:
                parts.append(f" ({address})")
    return "".join(parts)

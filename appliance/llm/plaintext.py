"""Markdown as the plain text a customer reads: what a quoted answer and an AI answer may show.

Articles are written in Markdown (the console's editor, .md imports), and local models answer in it
("**Refunds** take…", "1. Open Orders"). The widget shows text as text, so the marks reached the
customer as typed ("…a **two-year warranty**…", "## Shipping …"). Here they are dropped; a link keeps
its address, a list item its bullet or number. For quoting, headings are kept apart from the other
blocks: they name a topic, they answer nothing. Text that is not Markdown at all (plain .txt,
kb.jsonl bodies) comes through unchanged, line for line."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token


@dataclass(frozen=True)
class Block:
    text: str
    heading: bool = False
    item: str = ""  # a list item's bullet or number ("• ", "2. "), indented by its depth


def text_blocks(markdown: str) -> list[Block]:
    """The blocks of ``markdown`` (paragraphs, list items, headings, code) as plain text, in order.
    Line breaks inside a block are kept: a line is where a quote may start or stop."""
    return list(_blocks(markdown))


def plain_text(markdown: str) -> str:
    """``markdown`` as plain text: blocks apart by a blank line, a list's items on lines of their own."""
    out: list[str] = []
    previous: Block | None = None
    for block in _blocks(markdown):
        if previous is not None:
            out.append("\n" if block.item and previous.item else "\n\n")
        out.append(block.item + block.text)
        previous = block
    return "".join(out)


def _blocks(markdown: str) -> Iterator[Block]:
    heading = False
    lists: list[list] = []  # per open list: [ordered, next number]
    item = ""
    for token in MarkdownIt("commonmark").parse(markdown):
        if token.type == "heading_open":
            heading = True
        elif token.type == "heading_close":
            heading = False
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            lists.append([token.type == "ordered_list_open", int(token.attrGet("start") or 1)])
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "list_item_open" and lists:
            ordered, number = lists[-1]
            item = "  " * (len(lists) - 1) + (f"{number}. " if ordered else "• ")
            lists[-1][1] += 1
        elif token.type == "inline":
            text = _inline_text(token.children or []).strip()
            if text:
                yield Block(text, heading, item)
            item = ""  # a list item's later paragraphs carry no bullet of their own
        elif token.type in ("fence", "code_block", "html_block") and token.content.strip():
            yield Block(token.content.strip(), item=item)  # code and HTML shown as written, as the widget shows it
            item = ""


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

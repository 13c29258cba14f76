"""Turn knowledge-base files (Markdown, text, HTML, PDF, JSON Lines) into article records.

Pure functions only: no database or web code. The CLI (`import-kb`) and the console call
``discover``/``parse_file``/``iter_articles`` and store the returned ``ImportedArticle``s.
"""
from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pypdf import PdfReader

MARKDOWN_EXTENSIONS = frozenset({".md", ".markdown"})
TEXT_EXTENSIONS = frozenset({".txt"})
HTML_EXTENSIONS = frozenset({".html", ".htm"})
PDF_EXTENSIONS = frozenset({".pdf"})
JSONL_EXTENSIONS = frozenset({".jsonl"})
SUPPORTED_EXTENSIONS = (MARKDOWN_EXTENSIONS | TEXT_EXTENSIONS | HTML_EXTENSIONS | PDF_EXTENSIONS
                        | JSONL_EXTENSIONS)

DEFAULT_MAX_PAGES = 500
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_TITLE_CHARS = 200
MAX_TITLE_LINE_CHARS = 120
MAX_TITLE_LINE_WORDS = 12
_SENTENCE_LIKE = re.compile(r"[.!?;,]$|\w[:,;] \w")  # ends like a sentence, or runs on past a colon or comma

_HEADING_H1_RE = re.compile(r"^#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE_RE = re.compile(r"^[ \t]{0,3}(```|~~~)")
_FRONT_MATTER_KEY_RE = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:(.*)$")
_BLANK_RUN_RE = re.compile(r"\n{3,}")
_SPACE_RUN_RE = re.compile(r"\s+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # C0/C1 controls except \t \n \v \f \r
_ASCII_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_BINARY_CONTROL_RATIO = 0.05

_HTML_HIDDEN = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object",
                          "canvas"})
_HTML_CHROME = frozenset({"nav", "header", "footer"})
_HTML_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_HTML_PARAGRAPH_BLOCKS = frozenset({"p", "div", "section", "article", "main", "aside", "blockquote",
                                    "table", "ul", "ol", "dl", "pre", "hr", "figure", "figcaption",
                                    "form", "fieldset", "address", "details", "summary"})
_HTML_LINE_BREAKS = frozenset({"br", "li", "tr", "dt", "dd", "caption", "option"})
_HTML_CELLS = frozenset({"td", "th"})
_PARAGRAPH_BREAK = "\x1e"  # a whitespace character that collapsing turns into a space in page text


class KBImportError(ValueError):
    """A knowledge-base file that cannot be imported, with a message a shop owner can act on."""

    def __init__(self, message: str, path: Path | str | None = None):
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None


@dataclass(frozen=True)
class ImportedArticle:
    """One article parsed from a file; ``source`` is the file path (plus ``#id`` for JSONL rows) and
    ``where`` the place to name in a message about it: the file, or for JSONL ``file, line N``."""

    title: str
    body: str
    tags: list[str]
    source: str
    where: str = ""


# ---------------------------------------------------------------- discovery

def _supported_list() -> str:
    """The supported extensions as a readable list."""
    return ", ".join(sorted(SUPPORTED_EXTENSIONS))


def _is_hidden(name: str) -> bool:
    """Dot files/folders and Office lock files (``~$x.docx``) are never imported."""
    return name.startswith(".") or name.startswith("~$")


def _is_supported(path: Path) -> bool:
    """Whether the file's extension is one we can parse."""
    return path.suffix.lower() in SUPPORTED_EXTENSIONS


def _walk_folder(folder: Path) -> list[Path]:
    """Supported, non-hidden files anywhere under ``folder``."""
    found: list[Path] = []
    for root, dirnames, filenames in os.walk(folder):
        dirnames[:] = [name for name in dirnames if not _is_hidden(name)]
        for name in filenames:
            candidate = Path(root) / name
            if not _is_hidden(name) and _is_supported(candidate) and candidate.is_file():
                found.append(candidate)
    return found


def _check_explicit_file(path: Path) -> None:
    """A file named on the command line must have a supported extension."""
    if _is_supported(path):
        return
    kind = f"{path.suffix} files are" if path.suffix else "Files without an extension are"
    raise KBImportError(
        f"{path}: {kind} not supported. Save it as one of {_supported_list()} and try again.", path)


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """The importable files named by ``paths``, folders expanded recursively, sorted."""
    found: dict[Path, Path] = {}
    given: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        given.append(path)
        if path.is_dir():
            candidates = _walk_folder(path)
        elif path.is_file():
            _check_explicit_file(path)
            candidates = [path]
        elif path.exists():
            raise KBImportError(f"{path}: is not a regular file or folder, so it cannot be imported. "
                                "Point to the file itself.", path)
        else:
            raise KBImportError(f"{path}: no such file or folder. Check the path is spelled "
                                "correctly and that the file has not been moved.", path)
        for candidate in candidates:
            found.setdefault(candidate.resolve(), candidate)
    if not found:
        where = ", ".join(str(path) for path in given) or "(no paths given)"
        raise KBImportError(f"No importable files found in {where}. Supported file types: "
                            f"{_supported_list()}.")
    return sorted(found.values())


# ---------------------------------------------------------------- shared text helpers

def _human_size(size: int) -> str:
    """``52428800`` -> ``50 MB``."""
    for unit, factor in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{size} bytes"


def _readable_stem(path: Path) -> str:
    """``shipping-policy.md`` -> ``Shipping policy``."""
    words = _SPACE_RUN_RE.sub(" ", re.sub(r"[-_]+", " ", path.stem)).strip()
    return (words[:1].upper() + words[1:]) if words else path.name


def _clean_title(title: str) -> str:
    """One line, stripped, at most MAX_TITLE_CHARS."""
    return _SPACE_RUN_RE.sub(" ", _CONTROL_RE.sub("", title)).strip()[:MAX_TITLE_CHARS].rstrip()


def _clean_body(text: str) -> str:
    """Trailing spaces off every line, at most one blank line in a row, stripped."""
    text = _CONTROL_RE.sub("", text)
    lines = [line.rstrip() for line in _normalize_newlines(text).split("\n")]
    return _BLANK_RUN_RE.sub("\n\n", "\n".join(lines)).strip()


def _clean_tags(tags: Iterable[str]) -> list[str]:
    """Stripped, non-empty, de-duplicated tags in their original order."""
    result: list[str] = []
    for tag in tags:
        tag = _unquote(tag.strip()).lstrip("#").strip()
        if tag and tag not in result:
            result.append(tag)
    return result


def _normalize_newlines(text: str) -> str:
    """Windows and old-Mac line endings become ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _unquote(value: str) -> str:
    """Strip one pair of matching surrounding quotes."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _article(path: Path, title: str, body: str, tags: list[str] | None = None,
             source: str | None = None) -> ImportedArticle | None:
    """An ImportedArticle with cleaned fields, or None when the body is empty."""
    body = _clean_body(body)
    if not body:
        return None
    return ImportedArticle(title=_clean_title(title) or _readable_stem(path), body=body,
                           tags=_clean_tags(tags or []), source=source or str(path), where=str(path))


def _no_text_error(path: Path) -> KBImportError:
    """The error for a file that yielded no article text."""
    return KBImportError(f"{path}: has no text to import (it is empty or contains only a title). "
                         "Add the article text and try again.", path)


# ---------------------------------------------------------------- reading and decoding

def _read_bytes(path: Path, max_bytes: int | None, shown: Path) -> bytes:
    """The file's bytes, refusing files over ``max_bytes``; messages call it ``shown``."""
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise KBImportError(
                f"{shown}: is {_human_size(size)}, over the {_human_size(max_bytes)} import limit. "
                "Split it into smaller files and import those.", shown)
        return path.read_bytes()
    except OSError as exc:
        raise KBImportError(f"{shown}: could not be read ({exc.strerror or exc}). Check the file "
                            "exists and that you have permission to read it.", shown) from exc


def _not_text_error(path: Path) -> KBImportError:
    """The error for binary content in a text file."""
    return KBImportError(
        f"{path}: this file is not text (it contains binary data). Check it is really a "
        f"{path.suffix or 'text'} file; documents from Word and the like must be saved as PDF, "
        "HTML, Markdown or plain text first.", path)


def _looks_binary(text: str) -> bool:
    """Too many control characters for a human-written text file."""
    if not text:
        return False
    return len(_ASCII_CONTROL_RE.findall(text)) / len(text) > _BINARY_CONTROL_RATIO


def _decode_text(path: Path, data: bytes) -> str:
    """UTF-8 (BOM allowed; UTF-16 with a BOM), else cp1252, else latin-1; binary is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _not_text_error(path) from exc
    elif b"\x00" in data:
        raise _not_text_error(path)
    else:
        text = _decode_8bit(data)
    if "\x00" in text or _looks_binary(text):
        raise _not_text_error(path)
    return _normalize_newlines(text)


def _decode_8bit(data: bytes) -> str:
    """UTF-8 (with or without BOM), falling back to Windows-1252 and then Latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


# ---------------------------------------------------------------- Markdown

def _parse_front_matter_value(key: str, value: str) -> str | list[str]:
    """``tags: [a, b]`` / ``tags: a, b`` become lists; everything else a stripped string."""
    value = value.strip()
    if key != "tags":
        return _unquote(value)
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    return [part for part in value.split(",") if part.strip()]


def _parse_front_matter(lines: list[str]) -> dict[str, str | list[str]] | None:
    """``key: value`` lines (and ``- item`` lists) as a dict; None if it does not look like one."""
    meta: dict[str, str | list[str]] = {}
    current: str | None = None
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _FRONT_MATTER_KEY_RE.match(line)
        if match:
            current = match.group(1).lower()
            meta[current] = _parse_front_matter_value(current, match.group(2))
        elif stripped.startswith("- ") and current is not None:
            existing = meta.get(current)
            items = existing if isinstance(existing, list) else []
            meta[current] = items + [stripped[2:]]
        elif not line[:1].isspace():
            return None
    return meta


def _split_front_matter(text: str) -> tuple[dict[str, str | list[str]], str]:
    """(front matter, rest) when the text opens with a ``---`` block of ``key: value`` lines."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            meta = _parse_front_matter(lines[1:end])
            if meta is None or (not meta and any(line.strip() for line in lines[1:end])):
                return {}, text
            return meta, "\n".join(lines[end + 1:])
    return {}, text


def _first_h1(lines: list[str]) -> int | None:
    """Index of the first ``# `` heading outside fenced code blocks."""
    in_fence = False
    for index, line in enumerate(lines):
        if _FENCE_RE.match(line):
            in_fence = not in_fence
        elif not in_fence and _HEADING_H1_RE.match(line):
            return index
    return None


def _parse_markdown(path: Path, text: str) -> list[ImportedArticle]:
    """One article: title from front matter or the first ``# `` heading, headings kept in the body."""
    meta, text = _split_front_matter(text)
    lines = text.split("\n")
    title = meta.get("title") if isinstance(meta.get("title"), str) else ""
    heading_index = _first_h1(lines)
    if heading_index is not None:
        heading = _HEADING_H1_RE.match(lines[heading_index]).group(1).strip()
        if not title or _clean_title(heading).casefold() == _clean_title(title).casefold():
            title = title or heading
            del lines[heading_index]
    tags = meta.get("tags")
    tags = [tags] if isinstance(tags, str) else tags
    article = _article(path, title or _readable_stem(path), "\n".join(lines), tags)
    return [article] if article else []


# ---------------------------------------------------------------- plain text

def _parse_text(path: Path, text: str) -> list[ImportedArticle]:
    """One article: a short first line followed by a blank line is the title."""
    lines = text.split("\n")
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    title, body = _readable_stem(path), text
    if first is not None and len(lines[first].strip()) <= MAX_TITLE_LINE_CHARS:
        followed_by_blank = first + 1 < len(lines) and not lines[first + 1].strip()
        rest = "\n".join(lines[first + 1:])
        if followed_by_blank and rest.strip():
            title, body = lines[first], rest
    article = _article(path, title, body)
    return [article] if article else []


# ---------------------------------------------------------------- HTML

class _HTMLText(HTMLParser):
    """Collects readable text (headings as Markdown) and the page title; never keeps markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self.h1_parts: list[str] = []
        self._hidden = 0
        self._chrome = 0
        self._pre = 0
        self._heading = 0
        self._in_title = False
        self._h1_state = "before"

    def handle_starttag(self, tag: str, attrs: list) -> None:
        """Track skipped regions and turn block elements into line breaks."""
        if tag in _HTML_HIDDEN:
            self._hidden += 1
        elif tag in _HTML_CHROME:
            self._chrome += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "h1" and self._h1_state == "before" and not self._hidden:
            self._h1_state = "inside"
        if tag == "pre":
            self._pre += 1
        if tag in _HTML_HEADINGS:
            self._heading += 1
        if tag == "br" and self._h1_state == "inside":
            self.h1_parts.append(" ")
        if self._hidden or self._chrome:
            return
        if tag == "br" and self._heading:
            self.parts.append(" ")
        elif tag in _HTML_HEADINGS:
            self.parts.append(_PARAGRAPH_BREAK + "#" * _HTML_HEADINGS[tag] + " ")
        elif tag in _HTML_PARAGRAPH_BLOCKS:
            self.parts.append(_PARAGRAPH_BREAK)
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _HTML_LINE_BREAKS:
            self.parts.append("\n")
        elif tag in _HTML_CELLS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        """``<br/>`` is a single break; a self-closed skipped element has no content to skip."""
        if tag not in _HTML_HIDDEN and tag not in _HTML_CHROME and tag != "title":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        """Close skipped regions and end blocks with line breaks."""
        if tag in _HTML_HIDDEN:
            self._hidden = max(0, self._hidden - 1)
            return
        if tag in _HTML_CHROME:
            self._chrome = max(0, self._chrome - 1)
            return
        if tag == "title":
            self._in_title = False
        elif tag == "h1" and self._h1_state == "inside":
            self._h1_state = "done"
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag in _HTML_HEADINGS:
            self._heading = max(0, self._heading - 1)
        if self._hidden or self._chrome:
            return
        if tag in _HTML_HEADINGS or tag in _HTML_PARAGRAPH_BLOCKS:
            self.parts.append(_PARAGRAPH_BREAK)

    def handle_data(self, data: str) -> None:
        """Keep visible text, with whitespace collapsed (line breaks kept inside ``<pre>``)."""
        if self._hidden:
            return
        if self._in_title:
            self.title_parts.append(data)
            return
        if self._h1_state == "inside":
            self.h1_parts.append(data)
        if self._chrome:
            return
        if self._pre:
            lines = _normalize_newlines(data).split("\n")
            self.parts.append("\n".join(_SPACE_RUN_RE.sub(" ", line) for line in lines))
        else:
            self.parts.append(_SPACE_RUN_RE.sub(" ", data))

    def text(self) -> str:
        """The collected text: one line per line break, blank lines between paragraphs."""
        paragraphs = []
        for paragraph in "".join(self.parts).split(_PARAGRAPH_BREAK):
            lines = [_SPACE_RUN_RE.sub(" ", line).strip() for line in paragraph.split("\n")]
            lines = [line for line in lines if line and not re.fullmatch(r"#{1,6}|-", line)]
            if lines:
                paragraphs.append("\n".join(lines))
        return "\n\n".join(paragraphs)


def _drop_leading_heading(body: str, title: str) -> str:
    """Remove a first line ``# <title>`` (the title is stored separately)."""
    first, _, rest = body.partition("\n")
    if first.startswith("# ") and _clean_title(first[2:]).casefold() == title.casefold():
        return rest
    return body


def _parse_html(path: Path, text: str) -> list[ImportedArticle]:
    """One article from the page's readable text; title from ``<title>`` or the first ``<h1>``."""
    parser = _HTMLText()
    parser.feed(text)
    parser.close()
    title = _clean_title("".join(parser.title_parts)) or _clean_title("".join(parser.h1_parts))
    title = title or _readable_stem(path)
    article = _article(path, title, _drop_leading_heading(parser.text(), title))
    return [article] if article else []


# ---------------------------------------------------------------- PDF

def _open_pdf(path: Path, data: bytes) -> PdfReader:
    """A PdfReader for ``data`` that can read every page, or a KBImportError."""
    try:
        from pypdf import PasswordType, PdfReader
        from pypdf.errors import DependencyError, FileNotDecryptedError, WrongPasswordError
    except ImportError as exc:
        raise KBImportError(f"{path}: PDF import needs the pypdf package, which is not installed. "
                            "Reinstall Hearth's requirements, or save the document as text.",
                            path) from exc

    locked = KBImportError(f"{path}: this PDF is password-protected (encrypted). Open it, remove "
                           "the password (or print it to a new PDF), then import it again.", path)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise locked
        return reader
    except (DependencyError, FileNotDecryptedError, WrongPasswordError) as exc:
        raise locked from exc
    except KBImportError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise KBImportError(f"{path}: could not be read as a PDF ({exc}). The file may be damaged; "
                            "try opening it and saving it again as PDF.", path) from exc


def _pdf_pages_text(path: Path, reader: PdfReader, max_pages: int | None,
                    max_chars: int | None = None) -> list[str]:
    """The extracted text of every page, refusing documents over ``max_pages`` pages or
    ``max_chars`` characters of text (checked page by page, so extraction stops early)."""
    try:
        count = len(reader.pages)
    except Exception as exc:
        raise KBImportError(f"{path}: could not read the PDF's pages ({exc}). The file may be "
                            "damaged; try saving it again as PDF.", path) from exc
    if max_pages is not None and count > max_pages:
        raise KBImportError(f"{path}: has {count} pages, over the {max_pages}-page import limit. "
                            "Split it into smaller PDFs and import those.", path)
    texts: list[str] = []
    total = 0
    for number, page in enumerate(reader.pages, 1):
        try:
            texts.append(_clean_body(page.extract_text() or ""))
        except Exception:  # one unreadable page should not lose the rest
            texts.append("")
        total += len(texts[-1])
        if max_chars is not None and total > max_chars:
            raise KBImportError(f"{path}: has more than {max_chars:,} characters of text by page {number}, over "
                                "the limit for one article. Split it into smaller PDFs and import those.", path)
    return texts


def _pdf_metadata_title(reader: PdfReader) -> str:
    """The document's /Title, unless it is missing or a meaningless default."""
    try:
        title = _clean_title(str(reader.metadata.title or "")) if reader.metadata else ""
    except Exception:
        return ""
    title = re.sub(r"^Microsoft (Word|PowerPoint) - ", "", title)
    return "" if title.casefold() in {"untitled", "none"} else title


def _first_short_line(text: str) -> str:
    """The first non-empty line if it reads as a title, else '': short, and not a sentence (one that
    ends like a sentence, or runs on with a colon or a comma, is the text's start, and as a title it
    made citations read "from “Returns: unused items can be returned within 30 days…”")."""
    line = next((line.strip() for line in text.split("\n") if line.strip()), "")
    if len(line) > MAX_TITLE_LINE_CHARS or len(line.split()) > MAX_TITLE_LINE_WORDS or _SENTENCE_LIKE.search(line):
        return ""
    return line


def _parse_pdf(path: Path, data: bytes, max_pages: int | None, max_chars: int | None = None) -> list[ImportedArticle]:
    """One article: all pages' text joined with blank lines."""
    reader = _open_pdf(path, data)
    body = "\n\n".join(text for text in _pdf_pages_text(path, reader, max_pages, max_chars) if text)
    if not body.strip():
        raise KBImportError(
            f"{path}: this PDF has no text layer (it is probably scanned images), so there is "
            "nothing to import. Run it through OCR (text recognition) or paste the text into a "
            ".txt file and import that.", path)
    title = _pdf_metadata_title(reader) or _first_short_line(body) or _readable_stem(path)
    article = _article(path, title, body)
    return [article] if article else []


# ---------------------------------------------------------------- JSON Lines

_JSONL_EXAMPLE = '{"id": "faq-1", "title": "...", "body": "...", "tags": ["..."]}'


def _jsonl_text_field(path: Path, row: dict, key: str, where: str) -> str:
    """A required non-empty string field of a JSONL row."""
    value = row.get(key)
    if value is None:
        raise KBImportError(f'{where}: "{key}" is missing. Every line needs a "title" and a "body", '
                            f"like {_JSONL_EXAMPLE}.", path)
    if not isinstance(value, str):
        raise KBImportError(f'{where}: "{key}" must be text (a JSON string), '
                            f"not {type(value).__name__}.", path)
    if not value.strip():
        raise KBImportError(f'{where}: "{key}" is empty. Fill it in or remove the line.', path)
    return value


def _jsonl_tags(path: Path, row: dict, where: str) -> list[str]:
    """The optional ``tags``: a list of strings (a comma-separated string is accepted too)."""
    tags = row.get("tags")
    if tags is None:
        return []
    if isinstance(tags, str):
        return tags.split(",")
    if isinstance(tags, list) and all(isinstance(tag, str) for tag in tags):
        return tags
    raise KBImportError(f'{where}: "tags" must be a list of strings, like ["shipping", "returns"].',
                        path)


def _jsonl_id(path: Path, row: dict, number: int, where: str) -> str:
    """The row's ``id`` as text (the line number when there is none)."""
    row_id = row.get("id")
    if row_id is None:
        return f"line-{number}"
    if isinstance(row_id, bool) or not isinstance(row_id, (str, int)) or not str(row_id).strip():
        raise KBImportError(f'{where}: "id" must be a non-empty string or number.', path)
    return str(row_id).strip()


def _jsonl_row(path: Path, number: int, line: str) -> tuple[str, ImportedArticle]:
    """(id, article) for one line of a JSONL file."""
    where = f"{path}, line {number}"
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise KBImportError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno}). Each line "
                            f"must be one complete JSON object, like {_JSONL_EXAMPLE}.", path) from exc
    except ValueError:  # Python refuses integers of thousands of digits
        raise KBImportError(f"{where}: holds a number too long to read. Each line must be one JSON object, "
                            f"like {_JSONL_EXAMPLE}.", path) from None
    except RecursionError:
        raise KBImportError(f"{where}: is nested too deeply to read. Each line must be one JSON object, "
                            f"like {_JSONL_EXAMPLE}.", path) from None
    if not isinstance(row, dict):
        raise KBImportError(f"{where}: expected a JSON object like {_JSONL_EXAMPLE}, "
                            f"got {type(row).__name__}.", path)
    row_id = _jsonl_id(path, row, number, where)
    title = _jsonl_text_field(path, row, "title", where)
    body = _jsonl_text_field(path, row, "body", where)
    tags = _jsonl_tags(path, row, where)
    return row_id, ImportedArticle(title=_clean_title(title), body=_clean_body(body),
                                   tags=_clean_tags(tags), source=f"{path}#{row_id}", where=where)


def _parse_jsonl(path: Path, data: bytes) -> list[ImportedArticle]:
    """One article per non-blank line; a bad line names its line number."""
    try:
        text = _normalize_newlines(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise KBImportError(f"{path}: is not UTF-8 text (byte {exc.start} cannot be decoded). "
                            "JSON Lines files must be saved as UTF-8.", path) from exc
    articles: list[ImportedArticle] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        row_id, article = _jsonl_row(path, number, line)
        if row_id in seen:
            raise KBImportError(f'{path}, line {number}: id "{row_id}" is already used on line '
                                f"{seen[row_id]}. Every article needs its own id.", path)
        seen[row_id] = number
        if article.body:
            articles.append(article)
    return articles


# ---------------------------------------------------------------- uploads: what a file really is

# Leading bytes of formats that are never a knowledge-base file, and what to tell the owner.
_ARCHIVES = ((b"PK\x03\x04", "a ZIP archive"), (b"PK\x05\x06", "a ZIP archive"), (b"\x1f\x8b", "a gzip archive"),
             (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"), (b"Rar!", "a RAR archive"), (b"BZh", "a bzip2 archive"),
             (b"\xfd7zXZ", "an xz archive"))
_OTHER_BINARIES = ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
                   (b"\x7fELF", "a program"), (b"MZ", "a Windows program"), (b"%PDF-", "a PDF"),
                   (b"\xd0\xcf\x11\xe0", "an old Office document"))
ARCHIVE_EXTENSIONS = frozenset({".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz"})


def check_upload(name: str, data: bytes) -> None:
    """Refuse an uploaded file that is an archive or not what its extension claims (magic bytes)."""
    suffix = Path(name).suffix.lower()
    head = data[:16]
    archive = next((what for magic, what in _ARCHIVES if head.startswith(magic)), None)
    if archive or suffix in ARCHIVE_EXTENSIONS:
        raise KBImportError(f"{name}: is {archive or 'an archive'}; archives are not imported (a small archive "
                            "can unpack to gigabytes). Unpack it and upload the files inside.", name)
    if suffix not in SUPPORTED_EXTENSIONS:
        raise KBImportError(f"{name}: unsupported file type; use one of {_supported_list()}", name)
    if suffix in PDF_EXTENSIONS:
        if b"%PDF-" not in data[:1024]:
            raise KBImportError(f"{name}: is not a PDF (it does not start with %PDF-). Check the file, or give "
                                "it the extension of what it really is.", name)
        return
    binary = next((what for magic, what in _OTHER_BINARIES if head.startswith(magic)), None)
    if binary:
        raise KBImportError(f"{name}: claims to be {suffix} text but is {binary}. Upload Markdown, text, HTML, "
                            "JSON Lines or PDF files only.", name)


# ---------------------------------------------------------------- entry points

def parse_file(path: str | Path, *, max_pages: int | None = DEFAULT_MAX_PAGES,
               max_bytes: int | None = DEFAULT_MAX_BYTES, max_chars: int | None = None,
               name: str | None = None) -> list[ImportedArticle]:
    """The articles in one file, parsed according to its extension (``max_chars``: PDF text limit).

    ``name`` is what the owner calls the file (an upload's own name; default the path): titles
    taken from the file name, sources and every message use it, never the path it was read from."""
    path = Path(path)
    shown = Path(name) if name is not None else path
    suffix = shown.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        _check_explicit_file(shown)
    data = _read_bytes(path, max_bytes, shown)
    if suffix in PDF_EXTENSIONS:
        articles = _parse_pdf(shown, data, max_pages, max_chars)
    elif suffix in JSONL_EXTENSIONS:
        articles = _parse_jsonl(shown, data)
    elif suffix in HTML_EXTENSIONS:
        articles = _parse_html(shown, _decode_text(shown, data))
    elif suffix in MARKDOWN_EXTENSIONS:
        articles = _parse_markdown(shown, _decode_text(shown, data))
    else:
        articles = _parse_text(shown, _decode_text(shown, data))
    if not articles:
        raise _no_text_error(shown)
    return articles


def iter_articles(paths: Iterable[str | Path], *, max_pages: int | None = DEFAULT_MAX_PAGES,
                  max_bytes: int | None = DEFAULT_MAX_BYTES,
                  ) -> Iterator[tuple[Path, list[ImportedArticle]]]:
    """(file, articles) for every importable file under ``paths``, in ``discover`` order."""
    for path in discover(paths):
        yield path, parse_file(path, max_pages=max_pages, max_bytes=max_bytes)

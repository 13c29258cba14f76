"""Knowledge-base import: discovery and parsing of every supported file type."""
from __future__ import annotations

import io
import json
from itertools import islice
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from appliance.kb_import import (
    ImportedArticle,
    KBImportError,
    discover,
    iter_articles,
    parse_file,
)

STACKFAQ_KB = Path("/work/shared/eval/stackfaq/kb.jsonl")


def write(path: Path, content: str | bytes) -> Path:
    """Write text (UTF-8) or bytes to ``path``, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def pdf_bytes(pages: list[list[str]], *, title: str | None = None,
              password: str | None = None) -> bytes:
    """A real PDF with one Helvetica text line per entry, one page per list."""
    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    }))
    for lines in pages:
        page = writer.add_blank_page(612, 792)
        ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({escaped}) Tj T*")
        ops.append("ET")
        stream = DecodedStreamObject()
        stream.set_data("\n".join(ops).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    if title:
        writer.add_metadata({"/Title": title})
    if password:
        writer.encrypt(password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def only(articles: list[ImportedArticle]) -> ImportedArticle:
    assert len(articles) == 1, articles
    return articles[0]


def parse_one(path: Path, content: str | bytes) -> ImportedArticle:
    """Write ``content`` to ``path`` and parse it: the one article the file must hold."""
    return only(parse_file(write(path, content)))


# ---------------------------------------------------------------- title and body, by file type

@pytest.mark.parametrize(("name", "content", "title", "body"), [
    pytest.param("shipping-policy.md", "We ship worldwide.\n", "Shipping policy", "We ship worldwide.",
                 id="markdown-without-heading-uses-readable-file-name"),
    pytest.param("a.md", "---\ntitle: Opening hours\n---\n# Summer\n\n9 to 5.\n", "Opening hours",
                 "# Summer\n\n9 to 5.", id="markdown-front-matter-title-keeps-a-different-heading"),
    pytest.param("hours.txt", "\n  Opening hours  \n\nMonday to Friday.\r\nNine to five.\r\n", "Opening hours",
                 "Monday to Friday.\nNine to five.", id="text-short-first-line-then-blank-line-is-the-title"),
    pytest.param("opening_hours.txt", "Monday to Friday.\nNine to five.\n", "Opening hours",
                 "Monday to Friday.\nNine to five.", id="text-without-title-line-uses-file-name"),
    pytest.param("faq.htm", "<body><h1>Delivery<br>FAQ</h1><p>Two days.</p>"
                            "<table><tr><td>UK</td><td>1 day</td></tr></table></body>",
                 "Delivery FAQ", "Two days.\n\nUK 1 day", id="html-title-from-h1-is-not-repeated-in-body"),
    pytest.param("care-guide.html", "<p>Wash cold.</p>", "Care guide", "Wash cold.",
                 id="html-without-title-uses-file-name"),
])
def test_title_and_body(tmp_path, name, content, title, body):
    article = parse_one(tmp_path / name, content)
    assert article.title == title
    assert article.body == body


# ---------------------------------------------------------------- Markdown

def test_markdown_title_from_first_heading_is_removed_from_body(tmp_path):
    path = tmp_path / "returns.md"
    article = parse_one(path, "# Returns policy\n\nYou have 30 days.\n\n## Refunds\n\nWithin 5 days.\n")
    assert article.title == "Returns policy"
    assert article.body == "You have 30 days.\n\n## Refunds\n\nWithin 5 days."
    assert article.tags == []
    assert article.source == str(path)


def test_markdown_heading_inside_code_fence_is_not_the_title(tmp_path):
    article = parse_one(tmp_path / "reset_password.markdown",
                        "Run this:\n\n```bash\n# restart the service\nsystemctl restart shop\n```\n")
    assert article.title == "Reset password"
    assert "# restart the service" in article.body


@pytest.mark.parametrize("tags_line", ["tags: [shipping, 'returns']", "tags: shipping, returns",
                                       "tags:\n  - shipping\n  - returns"])
def test_markdown_front_matter_title_and_tags(tmp_path, tags_line):
    article = parse_one(tmp_path / "a.md",
                        f'---\ntitle: "Delivery times"\n{tags_line}\nauthor: sam\n---\n'
                        "# Delivery times\n\nTwo to three days.\n\n## Express\n\nNext day.\n")
    assert article.title == "Delivery times"
    assert article.tags == ["shipping", "returns"]
    assert article.body == "Two to three days.\n\n## Express\n\nNext day."
    assert "author" not in article.body


def test_markdown_leading_horizontal_rule_is_not_front_matter(tmp_path):
    article = parse_one(tmp_path / "a.md", "---\nJust some prose here.\n---\nMore prose.\n")
    assert "Just some prose here." in article.body


def test_markdown_rule_heading_rule_is_not_front_matter(tmp_path):
    article = parse_one(tmp_path / "a.md", "---\n# Gift cards\n---\nThey never expire.\n")
    assert article.title == "Gift cards"
    assert "They never expire." in article.body


def test_markdown_with_only_a_title_has_no_text(tmp_path):
    path = write(tmp_path / "empty.md", "# Nothing here\n\n   \n")
    with pytest.raises(KBImportError, match="no text"):
        parse_file(path)


def test_title_is_cut_to_200_characters(tmp_path):
    assert parse_one(tmp_path / "a.md", "# " + "x" * 300 + "\n\nBody.\n").title == "x" * 200


# ---------------------------------------------------------------- plain text

def test_text_long_first_line_is_not_a_title(tmp_path):
    long_line = "word " * 40
    article = parse_one(tmp_path / "notes.txt", f"{long_line}\n\nSecond paragraph.\n")
    assert article.title == "Notes"
    assert article.body.startswith("word word")


def test_text_latin1_and_bom(tmp_path):
    latin = parse_one(tmp_path / "cafe.txt", "Café menu\n\nCrème brûlée, 5 €.\n".encode("cp1252"))
    assert latin.body == "Crème brûlée, 5 €."
    assert latin.title == "Café menu"
    assert parse_one(tmp_path / "l1.txt", b"Gr\xfc\xdfe \x81 aus K\xf6ln\n").body.startswith("Grüße")
    article = parse_one(tmp_path / "bom.txt", "\ufeffTitle\n\nBody ✓\n".encode("utf-8"))
    assert (article.title, article.body) == ("Title", "Body ✓")


def test_binary_junk_in_text_file_is_refused(tmp_path):
    path = write(tmp_path / "junk.txt", bytes(range(256)) * 8)
    with pytest.raises(KBImportError, match="not text") as caught:
        parse_file(path)
    assert "junk.txt" in str(caught.value)
    no_nul = write(tmp_path / "junk.md", bytes(range(1, 32)) * 20 + b"some text")
    with pytest.raises(KBImportError, match="not text"):
        parse_file(no_nul)


def test_empty_text_file_has_no_text(tmp_path):
    path = write(tmp_path / "empty.txt", "\n\n  \n")
    with pytest.raises(KBImportError, match="no text") as caught:
        parse_file(path)
    assert "empty.txt" in str(caught.value)


# ---------------------------------------------------------------- HTML

HTML_PAGE = """<!DOCTYPE html>
<html><head>
<title>Returns &amp; refunds | My Shop</title>
<style>body { color: red; } .secret { display: none }</style>
<script>var stolen = "SCRIPT_TEXT"; if (a < b && c > d) { alert("x"); }</script>
</head>
<body>
<header><a href="/">My Shop</a> HEADER_TEXT</header>
<nav><ul><li>Home</li><li>NAV_TEXT</li></ul></nav>
<main>
  <h1>Returns</h1>
  <p>You can return   items within
     30&nbsp;days &mdash; no questions&#33;</p>
  <h2>How to <em>return</em></h2>
  <ol><li>Pack the item</li><li>Print the label</li></ol>
  <ul>
    <li>Keep the receipt</li>
    <li><p>Post it</p></li>
  </ul>
  <pre>step 1
step 2</pre>
  <div>Line one<br>Line two<br/>Line three</div>
  <p>Tom &lt;tom@example.com&gt; answers <b>fast</b>.</p>
  <noscript>NOSCRIPT_TEXT</noscript>
  <!-- COMMENT_TEXT -->
</main>
<footer>FOOTER_TEXT &copy; 2024</footer>
<script>document.write("SCRIPT_TWO")</script>
</body></html>
"""


def test_html_readable_text(tmp_path):
    article = parse_one(tmp_path / "returns.html", HTML_PAGE)
    assert article.title == "Returns & refunds | My Shop"
    body = article.body
    for hidden in ("SCRIPT_TEXT", "SCRIPT_TWO", "stolen", "color: red", "HEADER_TEXT", "NAV_TEXT",
                   "FOOTER_TEXT", "NOSCRIPT_TEXT", "COMMENT_TEXT"):
        assert hidden not in body
    assert "<" not in body.replace("<tom@example.com>", "")
    assert "# Returns\n\nYou can return items within 30\xa0days" not in body  # nbsp collapsed
    assert "# Returns\n\nYou can return items within 30 days — no questions!" in body
    assert "## How to return" in body
    assert "- Pack the item\n- Print the label\n\n- Keep the receipt\n\nPost it\n\nstep 1\nstep 2" in body
    assert "Line one\nLine two\nLine three" in body
    assert "Tom <tom@example.com> answers fast." in body


def test_html_with_only_scripts_has_no_text(tmp_path):
    path = write(tmp_path / "app.html", "<title>App</title><script>render()</script>")
    with pytest.raises(KBImportError, match="no text"):
        parse_file(path)


# ---------------------------------------------------------------- PDF

def test_pdf_multi_page_text_and_metadata_title(tmp_path):
    data = pdf_bytes([["Warranty terms", "Two years on all parts."], ["Claims: email us (any time)."]],
                     title="Warranty")
    assert len(PdfReader(io.BytesIO(data)).pages) == 2
    article = parse_one(tmp_path / "warranty.pdf", data)
    assert article.title == "Warranty"
    assert "Two years on all parts." in article.body
    assert "Claims: email us (any time)." in article.body
    first, second = article.body.split("\n\n")
    assert "Two years" in first and "Claims" in second


def test_pdf_title_from_first_short_line(tmp_path):
    article = parse_one(tmp_path / "doc.pdf", pdf_bytes([["Size guide", "S M L"]]))
    assert article.title == "Size guide"


@pytest.mark.parametrize("first_line", ["Returns: unused items can be returned within 30 days.",
                                        "Returns: unused items can be returned within 30 days",
                                        "We ship to every country in the EU, Norway and Switzerland"])
def test_a_pdf_whose_first_line_is_a_sentence_is_titled_by_its_file_name(tmp_path, first_line):
    article = parse_one(tmp_path / "returns-policy.pdf", pdf_bytes([[first_line, "Refunds take a week."]]))
    assert article.title == "Returns policy"


@pytest.mark.parametrize("first_line", ["FAQ: Shipping", "Returns, refunds and exchanges",
                                        "Warranty: frames, forks and wheels"])
def test_a_pdfs_first_line_with_a_colon_or_comma_can_still_be_its_title(tmp_path, first_line):
    article = parse_one(tmp_path / "doc.pdf", pdf_bytes([[first_line, "Refunds take a week."]]))
    assert article.title == first_line


def test_encrypted_pdf_is_refused_clearly(tmp_path):
    path = write(tmp_path / "secret.pdf", pdf_bytes([["Top secret"]], password="hunter2"))
    with pytest.raises(KBImportError, match="remove the password") as caught:
        parse_file(path)
    assert "secret.pdf" in str(caught.value)


def test_pdf_without_text_layer_is_refused(tmp_path):
    path = write(tmp_path / "scan.pdf", pdf_bytes([[], []]))
    with pytest.raises(KBImportError, match="no text layer"):
        parse_file(path)


def test_damaged_pdf_is_refused(tmp_path):
    path = write(tmp_path / "broken.pdf", b"%PDF-1.4\nthis is not really a pdf\n")
    with pytest.raises(KBImportError, match="broken.pdf"):
        parse_file(path)


def test_pdf_page_limit(tmp_path):
    path = write(tmp_path / "big.pdf", pdf_bytes([["a"], ["b"], ["c"]]))
    with pytest.raises(KBImportError, match="2-page import limit"):
        parse_file(path, max_pages=2)
    assert only(parse_file(path, max_pages=3)).body == "a\n\nb\n\nc"


# ---------------------------------------------------------------- size limit

def test_size_limit_applies_to_every_type(tmp_path):
    for name in ("a.txt", "a.md", "a.html", "a.jsonl", "a.pdf"):
        path = write(tmp_path / name, b"x" * 2048)
        with pytest.raises(KBImportError, match="over the 1 KB import limit") as caught:
            parse_file(path, max_bytes=1024)
        assert name in str(caught.value)


def test_default_size_limit_is_named_in_megabytes(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024 + 1)  # sparse: no real disk use
    with pytest.raises(KBImportError, match="over the 50 MB import limit"):
        parse_file(path)


# ---------------------------------------------------------------- JSON Lines

def test_jsonl_rows(tmp_path):
    rows = [
        {"id": "sf-000", "title": " Strikethrough ", "body": "Use ~~tildes~~.\n\nWorks.",
         "meta": {"n_answers": 2}},
        {"id": 7, "title": "Tagged", "body": "Body", "tags": ["a", " b ", "a"]},
        {"title": "No id", "body": "Still fine"},
    ]
    text = "\ufeff" + json.dumps(rows[0]) + "\n\n  \n" + json.dumps(rows[1]) + "\r\n" + json.dumps(rows[2])
    path = write(tmp_path / "kb.jsonl", text)
    articles = parse_file(path)
    assert [a.title for a in articles] == ["Strikethrough", "Tagged", "No id"]
    assert articles[0].body == "Use ~~tildes~~.\n\nWorks."
    assert articles[0].source == f"{path}#sf-000"
    assert articles[1].source == f"{path}#7"
    assert articles[1].tags == ["a", "b"]
    assert articles[2].source == f"{path}#line-5"


@pytest.mark.parametrize(("line", "problem"), [
    ("{not json", "not valid JSON"),
    ('["a list"]', "expected a JSON object"),
    ('{"id": "x", "body": "b"}', '"title" is missing'),
    ('{"id": "x", "title": "t", "body": "  "}', '"body" is empty'),
    ('{"id": "x", "title": 5, "body": "b"}', '"title" must be text'),
    ('{"id": "x", "title": "t", "body": "b", "tags": [1]}', '"tags" must be a list of strings'),
    ('{"id": "sf-1", "title": "t", "body": "b"}', 'id "sf-1" is already used on line 1'),
])
def test_jsonl_bad_line_names_file_and_line(tmp_path, line, problem):
    good = json.dumps({"id": "sf-1", "title": "Good", "body": "Fine"})
    path = write(tmp_path / "kb.jsonl", f"{good}\n\n{line}\n")
    with pytest.raises(KBImportError) as caught:
        parse_file(path)
    message = str(caught.value)
    assert f"{path}, line 3" in message
    assert problem in message
    assert caught.value.path == path


def test_jsonl_must_be_utf8(tmp_path):
    path = write(tmp_path / "kb.jsonl", '{"title": "Caf\xe9", "body": "x"}'.encode("latin-1"))
    with pytest.raises(KBImportError, match="UTF-8"):
        parse_file(path)


def test_empty_jsonl_has_no_text(tmp_path):
    with pytest.raises(KBImportError, match="no text"):
        parse_file(write(tmp_path / "kb.jsonl", "\n\n"))


@pytest.mark.skipif(not STACKFAQ_KB.exists(), reason="shared eval data not present")
def test_real_stackfaq_kb_first_50_lines(tmp_path):
    head = "".join(islice(STACKFAQ_KB.open(encoding="utf-8"), 50))
    articles = parse_file(write(tmp_path / "stackfaq.jsonl", head))
    assert len(articles) == 50
    assert all(a.title and a.body and len(a.title) <= 200 for a in articles)
    assert articles[0].source.endswith("#sf-000")
    assert len({a.source for a in articles}) == 50


# ---------------------------------------------------------------- discovery

def test_discover_walks_folders_skipping_hidden_and_unsupported(tmp_path):
    kb = tmp_path / "kb"
    wanted = [write(kb / "a.md", "A"), write(kb / "b.TXT", "B"), write(kb / "sub" / "c.html", "C"),
              write(kb / "sub" / "deeper" / "d.pdf", b"%PDF"), write(kb / "e.jsonl", "{}"),
              write(kb / "f.markdown", "F"), write(kb / "g.htm", "G")]
    write(kb / ".hidden.md", "no")
    write(kb / ".git" / "notes.md", "no")
    write(kb / "sub" / ".cache" / "x.txt", "no")
    write(kb / "~$draft.md", "no")
    write(kb / "photo.png", b"\x89PNG")
    write(kb / "report.docx", b"PK")
    write(kb / "README", "no extension")
    assert discover([kb]) == sorted(wanted)
    assert discover([str(kb), kb / "a.md"]) == sorted(wanted)  # no duplicates


def test_discover_explicit_hidden_file_is_allowed(tmp_path):
    path = write(tmp_path / ".notes.md", "x")
    assert discover([path]) == [path]


def test_discover_missing_path(tmp_path):
    with pytest.raises(KBImportError, match="no such file or folder") as caught:
        discover([tmp_path / "nope"])
    assert "nope" in str(caught.value)


def test_discover_explicit_unsupported_file_is_named(tmp_path):
    path = write(tmp_path / "manual.docx", b"PK")
    with pytest.raises(KBImportError, match=r"\.docx files are not supported") as caught:
        discover([path])
    assert "manual.docx" in str(caught.value)
    assert ".pdf" in str(caught.value)


def test_discover_nothing_importable_lists_supported_types(tmp_path):
    write(tmp_path / "photo.jpg", b"\xff\xd8")
    write(tmp_path / ".secret.md", "hidden")
    with pytest.raises(KBImportError, match="No importable files") as caught:
        discover([tmp_path])
    for ext in (".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".jsonl"):
        assert ext in str(caught.value)


def test_iter_articles(tmp_path):
    write(tmp_path / "b.md", "# Bee\n\nBuzz.\n")
    write(tmp_path / "a.txt", "Ant\n\nMarch.\n")
    write(tmp_path / "c.jsonl", '{"id": "1", "title": "C1", "body": "x"}\n'
                                '{"id": "2", "title": "C2", "body": "y"}\n')
    result = [(path.name, [a.title for a in articles]) for path, articles in iter_articles([tmp_path])]
    assert result == [("a.txt", ["Ant"]), ("b.md", ["Bee"]), ("c.jsonl", ["C1", "C2"])]


def test_kb_import_error_is_a_value_error():
    assert issubclass(KBImportError, ValueError)

"""Knowledge-base uploads that try to hurt: too big, archives and zip bombs, huge PDFs, path
traversal in names, files that are not what they claim. Each is refused with a clear message and
nothing is half-written."""
import io
import zipfile

import pytest

from appliance.domain.models import Article
from tests.abuse.test_rate_limits import limits


def make_pdf(pages: list[str]) -> bytes:
    """A small valid PDF whose pages show ``pages``' text in Helvetica."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None,
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for text in pages:
        stream = f"BT /F1 12 Tf 40 700 Td ({text}) Tj ET"
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {len(objects)} 0 R "
                       "/Resources << /Font << /F1 3 0 R >> >> >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def zip_bomb() -> bytes:
    """A ZIP of a few KB that unpacks to 20 MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("kb/faq.md", b"\0" * 20_000_000)
    return buffer.getvalue()


@pytest.fixture
def uploader(acme, make_client):
    api = make_client(acme.agent)
    socket = api.agent_socket()

    def upload(*files):
        response = api.client.post("/api/v1/articles/import", headers={"X-CSRF-Token": api.csrf},
                                   content_type="multipart/form-data",
                                   data={"files": [(io.BytesIO(data), name) for name, data in files]})
        progress = [e["args"][0] for e in socket.get_received("/agent") if e["name"] == "import_progress"]
        return response, progress
    return upload


def imports_left(settings):
    folder = settings.path / "imports"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def refused(response, *words):
    assert response.status_code == 422, response.get_json()
    message = response.get_json()["error"]["message"]
    assert all(w in message for w in words), message
    return message


@pytest.mark.parametrize("name", ["kb.zip", "kb.md", "kb.txt"])
def test_archives_and_zip_bombs_are_refused_whatever_their_name(uploader, settings, name):
    bomb = zip_bomb()
    assert len(bomb) < 100_000
    response, _ = uploader(("fine.md", b"# Fine\n\nA good article."), (name, bomb))
    refused(response, name, "ZIP archive", "Unpack it")
    assert Article.select().count() == 0 and imports_left(settings) == []  # the good file was not kept either


@pytest.mark.parametrize("name, data, what", [
    ("manual.pdf", b"<html>not a pdf</html>", "is not a PDF"),
    ("faq.md", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "a PNG image"),
    ("notes.txt", b"\x7fELF\x02\x01\x01" + b"\0" * 64, "a program"),
    ("page.html", b"%PDF-1.4\n%binary", "a PDF"),
    ("kb.jsonl", b"\xff\xd8\xff\xe0" + b"\0" * 64, "a JPEG image"),
])
def test_files_that_are_not_what_they_claim(uploader, settings, name, data, what):
    response, _ = uploader((name, data))
    refused(response, name, what)
    assert imports_left(settings) == []


@limits(max_upload_bytes=4096)
def test_an_upload_over_the_size_limit(uploader, settings):
    response, _ = uploader(("big.md", b"# Big\n\n" + b"word " * 2000))
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "too_large" and "max_upload_bytes" in error["message"]  # what to change
    assert imports_left(settings) == [] and Article.select().count() == 0


@limits(max_request_bytes=1000, max_upload_bytes=8000)
def test_uploads_may_be_bigger_than_other_requests(uploader):
    response, progress = uploader(("big.md", b"# Big\n\n" + b"word " * 1000))
    assert response.status_code == 202 and progress[-1]["state"] == "done"


@limits(max_import_pages=3)
def test_a_pdf_over_the_page_limit(uploader):
    response, progress = uploader(("huge.pdf", make_pdf([f"Page {n}" for n in range(4)])))
    assert response.status_code == 202
    assert progress[-1]["state"] == "failed" and "4 pages, over the 3-page import limit" in progress[-1]["message"]
    assert Article.select().count() == 0


@limits(max_article_length=2000)
def test_a_pdf_over_the_text_limit_stops_extracting(uploader):
    response, progress = uploader(("wordy.pdf", make_pdf(["Returns and refunds " * 40] * 5)))
    assert response.status_code == 202
    assert progress[-1]["state"] == "failed"
    assert "more than 2,000 characters of text by page 3" in progress[-1]["message"]
    assert Article.select().count() == 0


def test_a_readable_pdf_still_imports(uploader):
    _, progress = uploader(("hours.pdf", make_pdf(["Opening hours", "We open at nine."])))
    assert progress[-1]["state"] == "done", progress
    assert "We open at nine." in Article.get().body


@limits(max_article_length=500)
def test_a_bad_article_late_in_a_big_import_stores_nothing(uploader):
    rows = [f'{{"id": "r{n}", "title": "Row {n}", "body": "Answer {n}"}}' for n in range(250)]
    rows[230] = '{"id": "r230", "title": "Too long", "body": "' + "x" * 600 + '"}'
    _, progress = uploader(("kb.jsonl", "\n".join(rows).encode()))
    assert progress[-1]["state"] == "failed"
    assert "kb.jsonl, line 231: body:" in progress[-1]["message"] and "nothing was imported" in progress[-1]["message"]
    assert Article.select().count() == 0  # not the first batch of 200 either


@pytest.mark.parametrize("name", ["../../../escape.md", "..\\..\\escape.md", "/etc/cron.d/escape.md",
                                  "kb/../../escape.md", "\x00../escape.md", "....//escape.md"])
def test_names_cannot_leave_the_upload_folder(services, acme, settings, name, tmp_path):
    imports = settings.path / "imports"
    job_id, folder = services.importer.save_upload(acme.company, [(name, b"# Escape\n\nNo way out.")], imports)
    written = [p for p in tmp_path.rglob("*") if p.is_file() and "escape" in p.name or p.parent == folder]
    assert written and all(p.parent == folder for p in written), written
    assert all(p.resolve().is_relative_to(folder.resolve()) for p in folder.iterdir())


@pytest.mark.parametrize("name", ["..", "", "../", "kb/.."])
def test_names_without_a_file_are_refused(services, acme, settings, name):
    from appliance.errors import BadRequest

    with pytest.raises(BadRequest, match="unsupported file type"):
        services.importer.save_upload(acme.company, [(name, b"# A\n\nB")], settings.path / "imports")
    assert imports_left(settings) == []


@pytest.mark.parametrize("name, data, problem", [
    ("empty.md", b"", "empty.md: has no text to import"),
    ("blob.md", b"# Blob\n\n" + bytes(range(1, 32)) * 8, "blob.md: this file is not text"),
    ("faq.jsonl", b'{"id": "f1", "title": "Gift cards"}\n', 'faq.jsonl, line 1: "body" is missing'),
])
def test_a_failed_upload_names_the_file_as_uploaded(uploader, settings, name, data, problem):
    _, progress = uploader(("fine.md", b"# Fine\n\nA good article."), (name, data))
    message = progress[-1]["message"]
    assert progress[-1]["state"] == "failed" and message.startswith(problem), message
    assert str(settings.path) not in message and "imports" not in message
    assert Article.select().count() == 0


def test_an_article_titled_by_its_file_name_gets_the_uploaded_name(uploader):
    _, progress = uploader(("shipping-policy.md", b"We ship within two days."))
    assert progress[-1]["state"] == "done", progress
    assert Article.get().title == "Shipping policy"


def test_upload_progress_moves_while_it_imports(uploader):
    rows = [f'{{"id": "r{n}", "title": "Row {n}", "body": "Answer {n}.\\n\\nMore about {n}."}}' for n in range(106)]
    _, progress = uploader(("kb.jsonl", "\n".join(rows).encode()))
    running = [p["done"] for p in progress if p["state"] == "running"]
    assert progress[-1]["state"] == "done" and progress[-1]["done"] == 106
    assert running == sorted(running) and len([d for d in running if 0 < d < 106]) >= 2, running

"""Importing a knowledge base from the console: upload, live progress, clear errors."""
import io

from appliance.domain.models import Article
from tests.conftest import ApiClient, Tenant


def _agent(app, hearth):
    shop = Tenant(hearth, "bikes", ai=True)
    api = ApiClient(app.test_client())
    assert api.login(shop.agent.email).status_code == 200
    return shop, api.client, api.csrf, api.agent_socket()


def test_upload_imports_with_live_progress(ai_app, hearth):
    shop, api, csrf, socket = _agent(ai_app, hearth)
    files = [(io.BytesIO(b"# Returns\n\nReturn any bike within 30 days.\n"), "returns.md"),
             (io.BytesIO(b"<html><title>Hours</title><body><p>Open 9 to 6.</p><script>x()</script></body></html>"),
              "../../etc/hours.html")]
    response = api.post("/api/v1/articles/import", data={"files": files}, headers={"X-CSRF-Token": csrf},
                        content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    job = response.get_json()["job_id"]
    progress = [e["args"][0] for e in socket.get_received("/agent") if e["name"] == "import_progress"]
    assert progress[-1] == {"job_id": job, "state": "done", "done": 2, "total": 2, "message": "imported 2 articles"}
    assert {a.title for a in Article.select()} == {"Returns", "Hours"}
    assert not any((hearth.settings.path / "imports").rglob("*.md"))  # uploads are not kept
    assert "x()" not in Article.get(Article.title == "Hours").body


def test_bad_uploads_are_refused_clearly(ai_app, hearth):
    shop, api, csrf, socket = _agent(ai_app, hearth)
    response = api.post("/api/v1/articles/import", data={"files": [(io.BytesIO(b"MZ\x90\x00"), "setup.exe")]},
                        headers={"X-CSRF-Token": csrf}, content_type="multipart/form-data")
    assert response.status_code == 422 and "unsupported file type" in response.get_json()["error"]["message"]
    response = api.post("/api/v1/articles/import", data={"files": [(io.BytesIO(b"\x00\x01\x02binary"), "notes.txt")]},
                        headers={"X-CSRF-Token": csrf}, content_type="multipart/form-data")
    assert response.status_code == 202
    progress = [e["args"][0] for e in socket.get_received("/agent") if e["name"] == "import_progress"]
    assert progress[-1]["state"] == "failed" and "not text" in progress[-1]["message"]
    assert Article.select().count() == 0
    missing = api.post("/api/v1/articles/import", data={}, headers={"X-CSRF-Token": csrf},
                       content_type="multipart/form-data")
    assert missing.status_code == 422

"""Browser-facing protections: a CSP with no inline script on every page, cookies HttpOnly and
SameSite (Secure over TLS), CORS open for the widget only."""
import pytest

from tests.abuse.test_rate_limits import limits
from tests.conftest import PASSWORD

EVIL = "https://evil.example"


def gettable_paths(app):
    for rule in app.url_map.iter_rules():
        # /socket.io/ has rules only so socket events match a route; Engine.IO answers it, not Flask
        if "GET" in rule.methods and rule.endpoint != "static" and not rule.endpoint.startswith("socket_io"):
            yield rule.rule.replace("<slug>", "acme").replace("<path:filename>", "console/console.js") \
                .replace("<int:ticket_id>", "1").replace("<int:article_id>", "1")


def test_every_page_has_a_csp_without_inline_script(app, acme, admin_client):
    paths = sorted(set(gettable_paths(app)))
    assert {"/console", "/chat/acme", "/widget.js", "/api/v1/tickets"} <= set(paths)
    for path in paths:
        response = admin_client.get(path)
        csp = response.headers.get("Content-Security-Policy", "")
        directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
        assert directives.get("script-src") == ["'self'"], (path, csp)
        assert directives.get("object-src") == ["'none'"] and "'unsafe-inline'" not in csp.replace("style-src", ""), path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path


def session_cookie(response):
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("hearth_session="))


def login(app, base_url="http://localhost"):
    return app.test_client().post("/api/v1/auth/login", json={"email": "agent@acme.test", "password": PASSWORD},
                                  base_url=base_url)


def test_cookies_are_httponly_and_samesite_and_not_secure_over_plain_http(app, acme):
    cookie = session_cookie(login(app))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_cookies_are_secure_over_tls(app, acme):
    cookie = session_cookie(login(app, "https://localhost"))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


@limits(secure_cookies=True)
def test_cookies_are_secure_always_by_setting(app, acme):
    assert "Secure" in session_cookie(login(app))


@pytest.mark.parametrize("method, path", [("get", "/api/v1/tickets"), ("options", "/api/v1/tickets"),
                                          ("get", "/api/v1/auth/me"), ("post", "/api/v1/auth/login"),
                                          ("get", "/console"), ("get", "/healthz")])
def test_no_cors_beyond_the_widget(admin_client, method, path):
    response = getattr(admin_client.client, method)(path, headers={"Origin": EVIL,
                                                                   "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in response.headers, path
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_the_widget_script_and_the_widget_socket_are_open_to_any_site(app, socketio, acme):
    client = app.test_client()
    assert client.get("/widget.js", headers={"Origin": EVIL}).headers["Access-Control-Allow-Origin"] == "*"
    handshake = client.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": EVIL})
    assert handshake.status_code == 200
    assert handshake.headers["Access-Control-Allow-Origin"] in (EVIL, "*")
    assert "Access-Control-Allow-Credentials" not in handshake.headers  # no cookies cross-site
    widget = socketio.test_client(app, namespace="/widget", auth={"company": "acme"}, headers={"Origin": EVIL})
    assert widget.is_connected("/widget")


def test_the_agent_socket_refuses_other_origins(agent_client):
    def connect(origin):
        headers = {"Origin": origin} if origin else {}
        return agent_client.agent_socket(headers=headers)
    assert not connect(EVIL).is_connected("/agent")
    assert connect("http://localhost").is_connected("/agent")
    assert connect(None).is_connected("/agent")

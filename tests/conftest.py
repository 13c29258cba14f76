"""Fixtures: every test gets a fresh Hearth on a temporary data dir (never the user's data)."""
from __future__ import annotations

import itertools

import pytest

from appliance.app import create_app
from appliance.db import close_database
from appliance.services import run_now
from appliance.settings import Settings
from tests.clock import Clock

PASSWORD = "correct-horse-battery"


@pytest.fixture
def settings(tmp_path):
    # The hashing embedder needs no model; port 9 on loopback refuses connections, so no test
    # ever talks to a real Ollama that happens to run on this machine.
    return Settings.load({"data_dir": str(tmp_path / "data"), "embedder": "hashing",
                          "ollama_host": "http://127.0.0.1:9", "llm_timeout": 2.0}, environ={})


@pytest.fixture
def app(settings):
    app = create_app(settings, async_mode="threading", spawn=run_now)
    app.config["TESTING"] = True
    yield app
    close_database()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def clocked_app(settings, clock):
    """The app on the injected ``clock``; a test module that needs it overrides ``app`` with it."""
    app = create_app(settings, async_mode="threading", clock=clock, spawn=run_now)
    app.config["TESTING"] = True
    yield app
    close_database()


@pytest.fixture
def services(app):
    return app.extensions["hearth"]


@pytest.fixture
def socketio(app):
    return app.extensions["socketio"]


_counter = itertools.count(1)


class Tenant:
    """A company with an admin and an agent, made through the real services. Its AI is off
    unless a test turns it on (``ai=True``), so conversations are between people only."""

    def __init__(self, services, slug: str, ai: bool = False):
        self.services = services
        self.company, self.admin = services.companies.create(
            name=slug.title(), slug=slug, admin_email=f"admin@{slug}.test", admin_password=PASSWORD,
            admin_name=f"{slug} admin")
        self.company = services.companies.update(self.company, self.admin, settings={"ai_enabled": ai})
        self.agent = services.users.create(self.company, self.admin, email=f"agent@{slug}.test",
                                           password=PASSWORD, name=f"{slug} agent", role="agent")

    def add_articles(self, articles) -> "Tenant":
        """Write ``(title, body)`` articles into the company's knowledge base (indexed as the editor's are)."""
        for title, body in articles:
            self.services.articles.create(self.company, self.admin, title=title, body=body)
        return self

    def customer_message(self, text: str = "Where is my order?", customer=None):
        if customer is None:
            customer, _ = self.services.customers.start_visit(self.company)
        ticket, message, _ = self.services.tickets.post_customer_message(
            self.company, customer, text=text, client_id=f"c-{next(_counter)}")
        return ticket, message


@pytest.fixture
def acme(services):
    return Tenant(services, "acme")


@pytest.fixture
def globex(services):
    return Tenant(services, "globex")


@pytest.fixture
def hearth(services):
    """``services`` under the name the SLA, routing and AI tests give it."""
    return services


@pytest.fixture
def shop(hearth):
    """The company Bikes (its admin and an agent, AI off), in ``hearth``'s app; a module that needs
    more of it, such as an SLA policy or the AI on, overrides this fixture."""
    return Tenant(hearth, "bikes")


class ApiClient:
    """Flask's test client, logged in as one user, sending the CSRF header like the console does."""

    def __init__(self, client):
        self.client = client
        self.csrf = None

    def login(self, email: str, password: str = PASSWORD):
        response = self.client.post("/api/v1/auth/login", json={"email": email, "password": password})
        if response.status_code == 200:
            self.csrf = response.get_json()["csrf_token"]
        return response

    def agent_socket(self, **kwargs):
        """An /agent Socket.IO test client on this login's session, sending its CSRF token as the
        console does; ``kwargs`` (such as ``headers``) go to Flask-SocketIO's ``test_client``."""
        app = self.client.application
        return app.extensions["socketio"].test_client(app, namespace="/agent", flask_test_client=self.client,
                                                      auth={"csrf_token": self.csrf}, **kwargs)

    def _headers(self):
        return {"X-CSRF-Token": self.csrf} if self.csrf else {}

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(url, json=json, headers=self._headers(), **kw)

    def put(self, url, json=None, **kw):
        return self.client.put(url, json=json, headers=self._headers(), **kw)

    def patch(self, url, json=None, **kw):
        return self.client.patch(url, json=json, headers=self._headers(), **kw)

    def delete(self, url, **kw):
        return self.client.delete(url, headers=self._headers(), **kw)


@pytest.fixture
def make_client(app):
    def make(user=None):
        api = ApiClient(app.test_client())
        if user is not None:
            assert api.login(user.email).status_code == 200
        return api
    return make


@pytest.fixture
def admin_client(make_client, acme):
    return make_client(acme.admin)


@pytest.fixture
def agent_client(make_client, acme):
    return make_client(acme.agent)

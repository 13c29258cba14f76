"""Schemathesis against /api/v1/openapi.json, logged in as an admin with the CSRF header: no
request answers 500, and every answer the description declares matches its schema. The operations
are read from the description at test time, so a route added later is fuzzed too."""
import pytest
import schemathesis
from hypothesis import given
from schemathesis.specs.openapi.checks import response_schema_conformance


@pytest.fixture
def session(admin_client, globex):
    globex.customer_message("another company's ticket")  # foreign ids exist for the fuzzer to hit
    cookie = admin_client.client.get_cookie("hearth_session")
    return {"headers": {"X-CSRF-Token": admin_client.csrf}, "cookies": {"hearth_session": cookie.value}}


def _from_this_machine(wsgi_app):
    """schemathesis' WSGI transport sends no client address; a real server always has one."""
    def app(environ, start_response):
        environ.setdefault("REMOTE_ADDR", "127.0.0.1")
        return wsgi_app(environ, start_response)
    return app


# 503 with one of these codes is a clear answer, not a crash: the tests run without an Ollama server.
DEPENDENCY_DOWN = {"model_unavailable"}


def assert_no_crash(case, response):
    if response.status_code < 500:
        return
    try:
        code = response.json()["error"]["code"]
    except Exception:  # not Hearth's error shape: a crash page
        code = None
    assert response.status_code == 503 and code in DEPENDENCY_DOWN, (
        f"{case.method} {case.formatted_path} answered {response.status_code}: {response.text[:300]}")


def test_every_operation(app, session):
    app.wsgi_app = _from_this_machine(app.wsgi_app)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures = []
    for operation in operations:
        @given(case=operation.as_strategy())
        def fuzz(case):
            response = case.call(headers=session["headers"], cookies=session["cookies"])
            assert_no_crash(case, response)
            case.validate_response(response, checks=[response_schema_conformance])

        try:
            fuzz()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)

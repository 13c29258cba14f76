"""Schemathesis against /api/v1/openapi.json, logged in as an admin with the CSRF header: no
request answers 500, and every answer the description declares matches its schema. The operations
are read from the description at test time, so a route added later is fuzzed too."""
import pytest
import schemathesis
from hypothesis import given
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance


@pytest.fixture
def session(admin_client, globex):
    globex.customer_message("another company's ticket")  # foreign ids exist for the fuzzer to hit
    cookie = admin_client.client.get_cookie("hearth_session")
    return {"headers": {"X-CSRF-Token": admin_client.csrf}, "cookies": {"hearth_session": cookie.value}}


def test_every_operation(app, session):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures = []
    for operation in operations:
        @given(case=operation.as_strategy())
        def fuzz(case):
            response = case.call(headers=session["headers"], cookies=session["cookies"])
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        try:
            fuzz()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)

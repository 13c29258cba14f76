"""Bugs the fuzzers found, kept as plain tests."""
import pytest

HUGE = 4145947918413923323560793470557749248  # past SQLite's INTEGER: used to raise OverflowError (500)


@pytest.mark.parametrize("method, url, body", [
    ("get", f"/api/v1/tickets/{HUGE}", None),
    ("get", f"/api/v1/articles/{HUGE}", None),
    ("patch", f"/api/v1/users/{HUGE}", {"name": "x"}),
    ("post", f"/api/v1/tickets/{HUGE}/messages", {"body": "x"}),
])
def test_ids_too_big_for_sqlite_answer_404(admin_client, method, url, body):
    call = getattr(admin_client, method)
    response = call(url, json=body) if body else call(url)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_an_assignee_too_big_for_sqlite_is_a_field_error(admin_client, acme):
    ticket, _ = acme.customer_message()
    response = admin_client.patch(f"/api/v1/tickets/{ticket.id}", json={"assignee_id": HUGE})
    assert response.status_code == 422 and "assignee_id" in response.get_json()["error"]["fields"]


def test_a_socket_ticket_id_too_big_for_sqlite(agent_client):
    agent = agent_client.agent_socket()
    ack = agent.emit("view_ticket", {"ticket_id": HUGE}, namespace="/agent", callback=True)
    assert ack["ok"] is False and ack["error"]["status"] == 422


def test_error_answers_match_the_openapi_description(admin_client):
    """The description used to declare flask-smorest's own error shape, not Hearth's."""
    spec = admin_client.get("/api/v1/openapi.json").get_json()
    ref = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]["application/json"]["schema"]["$ref"]
    error = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(error["properties"]) == {"error"}
    detail = spec["components"]["schemas"][error["properties"]["error"]["$ref"].rsplit("/", 1)[1]]
    assert {"status", "code", "message", "fields", "retry_after"} == set(detail["properties"])


def test_a_body_that_is_not_json_is_refused_with_what_to_send(admin_client, acme):
    """A form or text body used to reach the routes as "no fields": the PATCH answered 200 and did nothing."""
    ticket, _ = acme.customer_message()
    for content_type in ("application/x-www-form-urlencoded", "text/plain"):
        response = admin_client.client.patch(f"/api/v1/tickets/{ticket.id}", data='{"status": "closed"}',
                                              content_type=content_type, headers=admin_client._headers())
        error = response.get_json()["error"]
        assert response.status_code == 415 and error["code"] == "unsupported_media_type"
        assert "Content-Type: application/json" in error["message"] and content_type in error["message"]
    assert admin_client.get(f"/api/v1/tickets/{ticket.id}").get_json()["status"] != "closed"
    created = admin_client.client.post("/api/v1/articles", data="title=x&body=y", headers=admin_client._headers(),
                                       content_type="application/x-www-form-urlencoded")
    assert created.status_code == 415
    assert admin_client.post("/api/v1/auth/logout").status_code == 204  # no body at all: nothing to refuse


def test_a_json_body_nested_too_deeply_is_a_clear_error(app, caplog):
    """50,000 nested lists made the JSON parser recurse until Python stopped it: a logged 500. (A body
    that is a list is now refused before it is parsed: the nesting is in objects.)"""
    response = app.test_client().post("/api/v1/auth/login", data='{"a": ' * 50_000, content_type="application/json")
    error = response.get_json()["error"]
    assert response.status_code == 400 and "nested too deeply" in error["message"]
    assert "unhandled error" not in caplog.text


NAMELESS_PART = (b'--b\r\nContent-Disposition: form-data\r\n\r\nhello\r\n'
                 b'--b\r\nContent-Disposition: form-data; filename="a.md"\r\n\r\n# A\r\n--b--\r\n')


@pytest.mark.parametrize("url", ["/api/v1/articles/import", "/api/v1/articles"])
def test_a_multipart_part_without_a_name_is_a_clear_error(admin_client, url, caplog):
    """A part whose Content-Disposition has no name= made the CSRF check fail with a logged 500."""
    response = admin_client.client.post(url, data=NAMELESS_PART, content_type="multipart/form-data; boundary=b",
                                        headers=admin_client._headers())
    error = response.get_json()["error"]
    assert response.status_code == 400 and "name" in error["message"], error
    assert "unhandled error" not in caplog.text


@pytest.mark.parametrize("url, field", [
    ("/api/v1/reports?from=9999-12-30&to=9999-12-31", "from"),  # the day after the last overflowed
    ("/api/v1/reports/summary.csv?from=9999-12-30&to=9999-12-31", "from"),
    ("/api/v1/reports?from=9998-12-31&to=9999-12-31", "to"),
    ("/api/v1/reports?from=0001-01-01&to=0001-01-02", "from"),  # its midnight in Berlin is before year 1 in UTC
])
def test_report_dates_out_of_range_name_the_field(admin_client, url, field):
    """Used to answer the catch-all "a number in the request is too large", naming no field."""
    hours = {"tz": "Europe/Berlin", "weekly": {"0": [["09:00", "17:00"]]}}
    assert admin_client.put("/api/v1/sla-policy", json={"targets": {}, "hours": hours}).status_code == 200
    response = admin_client.get(url)
    error = response.get_json()["error"]
    assert response.status_code == 422 and list(error["fields"]) == [field], error
    assert "out of range" in error["fields"][field][0]


BIG = 99999999999999999999  # 20 digits: as long as an assignee may be, past SQLite's INTEGER


@pytest.mark.parametrize("query", [f"q=%23{BIG}", f"q={HUGE}", "q=%23%C2%B2", f"assignee={BIG}",
                                   f"customer={BIG}", f"customer=-{BIG}"])
def test_ticket_filters_that_name_no_row_match_nothing(admin_client, acme, query):
    """A number past SQLite's INTEGER used to get the catch-all 422 naming no field ("#²", a digit
    int() cannot read, a 500); like an id nobody has, it simply matches no ticket."""
    acme.customer_message()
    response = admin_client.get(f"/api/v1/tickets?{query}")
    assert response.status_code == 200 and response.get_json() == {"items": [], "total": 0}


def test_a_webhook_id_too_big_for_sqlite_is_not_found(admin_client):
    for method, url in (("get", f"/api/v1/webhooks/deliveries?endpoint_id={HUGE}"),
                        ("patch", f"/api/v1/webhooks/{HUGE}"), ("delete", f"/api/v1/webhooks/{HUGE}"),
                        ("post", f"/api/v1/webhooks/{HUGE}/test"),
                        ("post", f"/api/v1/webhooks/deliveries/{HUGE}/retry")):
        call = getattr(admin_client, method)
        response = call(url, json={"active": False}) if method == "patch" else call(url)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found", (url, response.json)


@pytest.mark.parametrize("value", [[], "x", 3])
def test_a_nested_object_of_the_wrong_type_names_its_own_field(admin_client, value):
    """Used to be named "settings.settings"."""
    response = admin_client.patch("/api/v1/company", json={"settings": value})
    error = response.get_json()["error"]
    assert response.status_code == 422 and list(error["fields"]) == ["settings"], error
    assert error["message"].startswith("settings: ")


def test_a_bad_item_of_a_list_names_the_list(admin_client, acme):
    """The first item's error named the list, the second's "member_ids.1", which no form field is."""
    response = admin_client.post("/api/v1/teams", json={"name": "A", "member_ids": [acme.agent.id, "x", "y"]})
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["fields"] == {"member_ids": ["Not a valid integer."]}, error


INVISIBLE_ONLY = ["\u200b", " \ufeff \u2060 ", "\u202e", "\u2066\u2069", "\u3164", "\u200d\ufe0f"]


@pytest.mark.parametrize("text", INVISIBLE_ONLY)
def test_text_of_only_invisible_characters_is_empty(admin_client, acme, text):
    """Unicode format characters (Cf) used to pass "must not be empty": a blank-looking message went to
    the customer, and a team, company or user could be named with nothing visible."""
    ticket, _ = acme.customer_message()
    team = admin_client.post("/api/v1/teams", json={"name": "Support"}).get_json()
    for method, url, body, field in (
            ("post", f"/api/v1/tickets/{ticket.id}/messages", {"body": text}, "body"),
            ("post", "/api/v1/teams", {"name": text}, "name"),
            ("patch", f"/api/v1/teams/{team['id']}", {"name": text}, "name"),
            ("patch", "/api/v1/company", {"name": text}, "name"),
            ("patch", f"/api/v1/users/{acme.agent.id}", {"name": text}, "name")):
        response = getattr(admin_client, method)(url, json=body)
        error = response.get_json()["error"]
        assert response.status_code == 422 and error["fields"] == {field: ["must not be empty"]}, (url, error)
    customer, _ = acme.services.customers.start_visit(acme.company)
    assert acme.services.customers.identify(customer, name=text).name == ""  # an optional name: none given


def test_names_lose_bidi_controls_and_real_text_keeps_its_joiners(admin_client, acme):
    """A right-to-left override in a name made it read backwards wherever it is shown."""
    customer, _ = acme.services.customers.start_visit(acme.company)
    assert acme.services.customers.identify(customer, name="\u202eAnna\u202c").name == "Anna"
    team = admin_client.post("/api/v1/teams", json={"name": "\u2067Sales\u2069 team"}).get_json()
    assert team["name"] == "Sales team"
    written = ["👨\u200d👩\u200d👧 family",  # ZWJ: one emoji
               "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # ZWNJ: Persian "I want"
               "❤\ufe0f",  # a variation selector: the emoji form
               "\u05e9\u05dc\u05d5\u05dd 123\u200f"]  # RLM: Hebrew followed by digits
    for name in written:
        assert admin_client.patch(f"/api/v1/users/{acme.agent.id}", json={"name": name}).get_json()["name"] == name
    ticket, _ = acme.customer_message()
    body = "Order \u2067\u05d4\u05d6\u05de\u05e0\u05d4\u2069 shipped\n" + written[0]  # mixed-direction text keeps isolates
    assert admin_client.post(f"/api/v1/tickets/{ticket.id}/messages", json={"body": body}).get_json()["body"] == body


@pytest.mark.parametrize("body", ["null", "[]", '"x"', "3", "true", " \r\n null", "[" * 50_000])
def test_a_json_body_that_is_not_an_object_is_refused_on_every_route(admin_client, acme, caplog, body):
    """Such a body answered "Invalid input type.", naming nothing, or was ignored by a route without fields."""
    ticket, _ = acme.customer_message()
    for method, url in (("patch", f"/api/v1/tickets/{ticket.id}"), ("patch", "/api/v1/company"),
                        ("post", f"/api/v1/tickets/{ticket.id}/messages"), ("post", "/api/v1/auth/logout")):
        response = getattr(admin_client.client, method)(url, data=body, content_type="application/json",
                                                         headers=admin_client._headers())
        error = response.get_json()["error"]
        assert response.status_code == 422 and error["message"].startswith("the request body must be a JSON object")
    assert admin_client.get("/api/v1/auth/me").status_code == 200  # not logged out
    assert "unhandled error" not in caplog.text

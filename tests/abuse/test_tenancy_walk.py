"""Tenant isolation, exhaustively: every route of /api/v1/openapi.json (read at test time, so a route
added later is walked too) and every /agent and /widget event, with company A's session against
company B's objects. Foreign ids answer 404 or 403, never B's object, and B's rows never change."""
from __future__ import annotations

import re

import pytest

from appliance.domain.models import ALL_MODELS, Company, Ticket
from appliance.realtime.agent import AgentNamespace
from appliance.realtime.widget import WidgetNamespace

# Path or field name → the kind of object it names. A new route with an id of another kind fails
# the walk with a message asking for a B object of that kind here.
KIND_OF = {"ticket_id": "ticket", "article_id": "article", "user_id": "user", "assignee_id": "user",
           "assignee": "user", "message_id": "message", "customer_id": "customer", "company_id": "company",
           "target_id": "ticket", "reply_id": "canned_reply", "team_id": "team", "rule_id": "rule",
           "endpoint_id": "webhook", "delivery_id": "delivery", "tag": "tag", "table": "table", "name": "backup"}
SKIP = {("post", "/api/v1/auth/logout"), ("post", "/api/v1/auth/login")}  # would end the walking session
B_MARK = "globex"
OWN_NAMES = {"table"}
PATH_ONLY = {"tag", "table", "name"}  # names in a path; a body field called e.g. "name" is just text  # path parameters that name a view of the caller's own company, not an object  # every name, title, email and text of company B contains it


@pytest.fixture
def world(acme, globex, services):
    b_ticket, b_message = globex.customer_message("globex secret order 1234")
    b_article = services.articles.create(globex.company, globex.admin, title="Globex internal", body="globex secret")
    a_ticket, _ = acme.customer_message("acme question")
    a_article = services.articles.create(acme.company, acme.admin, title="Acme help", body="Acme answer")
    services.tags.add(globex.company, globex.agent, b_ticket.id, "globex-vip")
    b_reply = services.canned.create(globex.company, globex.admin, title="Globex hello", shortcut="globexhi",
                                     body="globex greeting", shared=True)
    b_team = services.teams.create(globex.company, globex.admin, name="Globex team", member_ids=[globex.agent.id])
    b_rule = services.routing.add_rule(globex.company, globex.admin, kind="keyword", value="globex", team_id=b_team.id)
    b_hook = services.webhooks.create_endpoint(globex.company, globex.admin, url="http://127.0.0.1:9/globex",
                                               events_=["ticket.created"])
    b_delivery = services.webhooks.send_test(globex.company, b_hook.id)  # port 9 refuses: a failed delivery
    # Names, not objects: a report table and a backup file (backups are installation-wide, owner only).
    names = {"tag": "globex-vip", "table": "summary", "backup": "hearth-globex.hearthbak"}
    return {
        "b": {"ticket": b_ticket.id, "article": b_article.id, "user": globex.agent.id, "message": b_message.id,
              "customer": b_ticket.customer_id, "company": globex.company.id, "canned_reply": b_reply.id,
              "team": b_team.id, "rule": b_rule.id, "webhook": b_hook.id, "delivery": b_delivery.id, **names},
        "a": {"ticket": a_ticket.id, "article": a_article.id, "user": acme.agent.id, "message": None,
              "customer": a_ticket.customer_id, "company": acme.company.id, "canned_reply": None,
              "team": None, "rule": None, "webhook": None, "delivery": None,
              "tag": "acme-tag", "table": "summary", "backup": "hearth-acme.hearthbak"},
    }


def snapshot(company_id: int) -> list:
    """Every row company B owns, as plain values."""
    rows = []
    for model in ALL_MODELS:
        field = model._meta.fields.get("company")
        query = model.select().where(model.id == company_id) if model is Company else (
            model.select().where(field == company_id) if field is not None else None)
        if query is not None:
            rows += [(model.__name__, tuple(sorted(r.items()))) for r in query.dicts()]
    return sorted(rows, key=repr)


def resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def example(spec: dict, schema: dict, ids: dict, name: str = "") -> object:
    """A value the schema accepts; fields naming an object get ``ids``' object of that kind."""
    schema = resolve(spec, schema)
    if name in KIND_OF and name not in PATH_ONLY:
        return ids[KIND_OF[name]]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "object":
        props = schema.get("properties", {})
        wanted = set(schema.get("required", [])) | {p for p in props if p in KIND_OF and p not in PATH_ONLY}
        return {p: example(spec, props[p], ids, p) for p in props if p in wanted}
    if kind == "array":
        return []
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return schema.get("minimum", 0.5)
    if kind == "boolean":
        return False
    if schema.get("format") == "email" or "email" in name:
        return "walker@acme.test"
    return "w" * max(schema.get("minLength", 1), 12 if "password" in name else 1)


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete") and (method, path) not in SKIP:
                yield method, path, op


def request_for(spec, method, path, op, ids):
    """(url, query, json body) for one operation, every id pointing at ``ids``' objects."""
    missing = [p for p in re.findall(r"{(\w+)}", path) if p not in KIND_OF]
    assert not missing, f"{method.upper()} {path}: add a company B object for {missing} to KIND_OF and world"
    url = re.sub(r"{(\w+)}", lambda m: str(ids[KIND_OF[m.group(1)]]), path)
    query = {p["name"]: ids[KIND_OF[p["name"]]] for p in op.get("parameters", [])
             if p.get("in") == "query" and p["name"] in KIND_OF and p["name"] not in PATH_ONLY}
    body = None
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = example(spec, content["application/json"]["schema"], ids)
    return url, query, body


def call(api, method, url, query, body):
    fn = getattr(api, method)
    kw = {"query_string": query} if query else {}
    return fn(url, json=body, **kw) if method != "get" and body is not None else fn(url, **kw)


@pytest.mark.parametrize("role", ["admin", "agent"])
def test_every_route_with_company_a_against_company_b_objects(make_client, acme, world, role):
    api = make_client(getattr(acme, role))
    spec = api.get("/api/v1/openapi.json").get_json()
    before = snapshot(world["b"]["company"])
    walked, problems = 0, []
    ops = sorted(operations(spec), key=lambda o: o[0] == "delete")  # deletes last
    for method, path, op in ops:
        if "{" not in path:
            continue
        url, query, body = request_for(spec, method, path, op, world["b"])
        response = call(api, method, url, query, body)
        walked += 1
        text = response.get_data(as_text=True)
        own_view = set(re.findall(r"{(\w+)}", path)) <= OWN_NAMES  # e.g. A's report as CSV: never B's data
        if own_view and response.status_code < 500 and B_MARK not in text.lower():
            continue
        if response.status_code not in (403, 404) or B_MARK in text.lower():
            problems.append(f"{method.upper()} {url} {body} → {response.status_code} {text[:200]}")
    assert walked >= 9, "the OpenAPI description lost its routes"
    assert not problems, "\n".join(problems)
    assert snapshot(world["b"]["company"]) == before


@pytest.mark.parametrize("role", ["admin", "agent"])
def test_company_a_objects_and_lists_never_reach_b_through_ids_in_bodies_and_queries(make_client, acme, world, role):
    """A's own routes, with every id field of the body and the query set to B's objects."""
    api = make_client(getattr(acme, role))
    spec = api.get("/api/v1/openapi.json").get_json()
    before = snapshot(world["b"]["company"])
    ids = {**world["a"], **{k: world["b"][k] for k in ("user", "message", "customer", "company")}}
    problems = []
    for method, path, op in sorted(operations(spec), key=lambda o: o[0] == "delete"):
        url, query, body = request_for(spec, method, path, op, ids)
        response = call(api, method, url, query, body)
        text = response.get_data(as_text=True)
        # 503: a clear "the model server is not there" (no Ollama in tests), not a crash
        if (response.status_code >= 500 and response.status_code != 503) or B_MARK in text.lower():
            problems.append(f"{method.upper()} {url} {query} {body} → {response.status_code} {text[:200]}")
    assert not problems, "\n".join(problems)
    assert snapshot(world["b"]["company"]) == before
    assert Ticket.get_by_id(world["a"]["ticket"]).assignee_id != world["b"]["user"]


def handler_events(namespace_class) -> list[str]:
    """The events a namespace class handles (its on_<event> methods), connect/disconnect aside."""
    return sorted(name[3:] for name in dir(namespace_class)
                  if name.startswith("on_") and name not in ("on_connect", "on_disconnect"))


def hostile_payload(b_ids: dict) -> dict:
    """Every field any handler reads, the ids naming company B's objects."""
    return {**{name: b_ids[kind] for name, kind in KIND_OF.items() if kind in b_ids},
            "typing": True, "text": "walk", "client_id": "walk-1", "name": "walker", "email": "walker@acme.test"}


def test_every_agent_event_with_company_b_objects(make_client, acme, globex, world):
    events = handler_events(AgentNamespace)
    assert {"view_ticket", "leave_ticket", "typing"} <= set(events)
    api, b_api = make_client(acme.agent), make_client(globex.agent)
    b_agent, a_agent = b_api.agent_socket(), api.agent_socket()
    b_agent.get_received("/agent")
    before = snapshot(world["b"]["company"])
    for event in events:
        ack = a_agent.emit(event, hostile_payload(world["b"]), namespace="/agent", callback=True)
        assert ack["ok"] is False and ack["error"]["status"] in (403, 404), (event, ack)
        assert B_MARK not in repr(ack).lower()
    assert b_agent.get_received("/agent") == []  # B's console heard nothing of it
    assert snapshot(world["b"]["company"]) == before


def test_every_widget_event_with_company_b_objects(socketio, app, make_client, globex, world):
    """A visitor of A cannot name B's objects at all: ids in payloads are ignored, B hears nothing."""
    events = handler_events(WidgetNamespace)
    assert {"customer_message", "typing", "identify"} <= set(events)
    b_api = make_client(globex.agent)
    b_agent = b_api.agent_socket()
    b_agent.get_received("/agent")
    visitor = socketio.test_client(app, namespace="/widget", auth={"company": "acme"})
    before = snapshot(world["b"]["company"])
    for event in events:
        ack = visitor.emit(event, hostile_payload(world["b"]), namespace="/widget", callback=True)
        assert B_MARK not in repr(ack).lower(), (event, ack)
        if ack.get("ok") and "ticket_id" in ack:
            assert Ticket.get_by_id(ack["ticket_id"]).company_id == world["a"]["company"]
    assert B_MARK not in repr(visitor.get_received("/widget")).lower()
    assert b_agent.get_received("/agent") == []
    assert snapshot(world["b"]["company"]) == before

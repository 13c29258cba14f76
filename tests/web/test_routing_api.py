"""The routing API: teams, capacity and rules; admins only for changes; 422 naming the field on bad
input; another company's ids answer 404."""
import pytest

from appliance.domain.models import RoutingRule, Team


@pytest.fixture
def globex_admin(make_client, globex):
    return make_client(globex.admin)


def test_an_admin_builds_teams_rules_and_capacity(admin_client, agent_client, acme):
    team = admin_client.post("/api/v1/teams", json={"name": "Billing", "member_ids": [acme.agent.id]})
    assert team.status_code == 201 and team.get_json()["member_ids"] == [acme.agent.id]
    team_id = team.get_json()["id"]
    twin = admin_client.post("/api/v1/teams", json={"name": "billing"})  # one team to people
    assert twin.status_code == 409 and "already exists" in twin.get_json()["error"]["message"]
    other = admin_client.post("/api/v1/teams", json={"name": "Sales"}).get_json()["id"]
    assert admin_client.patch(f"/api/v1/teams/{other}", json={"name": "BILLING"}).status_code == 409
    assert admin_client.patch(f"/api/v1/teams/{team_id}", json={"name": "billing"}).status_code == 200  # its own
    assert admin_client.patch(f"/api/v1/teams/{team_id}", json={"name": "Billing"}).status_code == 200
    admin_client.delete(f"/api/v1/teams/{other}")
    first = admin_client.post("/api/v1/routing/rules", json={"kind": "keyword", "value": "invoice", "team_id": team_id})
    second = admin_client.post("/api/v1/routing/rules", json={"kind": "channel", "value": "widget", "team_id": team_id,
                                                              "priority": "high"})
    assert first.status_code == second.status_code == 201
    ids = [first.get_json()["id"], second.get_json()["id"]]
    reordered = admin_client.put("/api/v1/routing/rules/order", json={"rule_ids": ids[::-1]})
    assert [r["id"] for r in reordered.get_json()["items"]] == ids[::-1]
    listed = agent_client.get("/api/v1/routing/rules").get_json()["items"]
    assert [(r["kind"], r["value"], r["team"]["name"], r["priority"]) for r in listed] == [
        ("channel", "widget", "Billing", "high"), ("keyword", "invoice", "Billing", None)]
    capacity = admin_client.put(f"/api/v1/routing/agents/{acme.agent.id}", json={"capacity": 2})
    assert capacity.status_code == 200 and capacity.get_json()["effective_capacity"] == 2
    agents = {a["id"]: a for a in agent_client.get("/api/v1/routing/agents").get_json()["items"]}
    assert agents[acme.agent.id]["capacity"] == 2 and agents[acme.admin.id]["capacity"] is None
    assert agents[acme.admin.id]["effective_capacity"] == 5 and agents[acme.agent.id]["online"] is False
    renamed = admin_client.patch(f"/api/v1/teams/{team_id}", json={"name": "Money", "member_ids": []})
    assert renamed.get_json() == {"id": team_id, "name": "Money", "member_ids": []}
    assert admin_client.delete(f"/api/v1/teams/{team_id}").status_code == 409  # rules still use it
    for rule_id in ids:
        assert admin_client.delete(f"/api/v1/routing/rules/{rule_id}").status_code == 204
    assert admin_client.delete(f"/api/v1/teams/{team_id}").status_code == 204
    assert agent_client.get("/api/v1/teams").get_json()["items"] == []


def test_agents_may_read_but_not_change(agent_client, acme):
    assert agent_client.get("/api/v1/teams").status_code == 200
    assert agent_client.post("/api/v1/teams", json={"name": "Mine"}).status_code == 403
    assert agent_client.put(f"/api/v1/routing/agents/{acme.agent.id}", json={"capacity": 50}).status_code == 403
    assert agent_client.put("/api/v1/routing/rules/order", json={"rule_ids": []}).status_code == 403


@pytest.mark.parametrize("url, method, body, field", [
    ("/api/v1/teams", "post", {}, "name"),
    ("/api/v1/teams", "post", {"name": ""}, "name"),
    ("/api/v1/teams", "post", {"name": "A", "member_ids": ["1"]}, "member_ids"),
    ("/api/v1/teams", "post", {"name": "A", "member_ids": [99999]}, "member_ids"),
    ("/api/v1/routing/rules", "post", {"kind": "mood", "value": "x", "team_id": "TEAM"}, "kind"),
    ("/api/v1/routing/rules", "post", {"kind": "keyword", "team_id": "TEAM"}, "value"),
    ("/api/v1/routing/rules", "post", {"kind": "keyword", "value": "   ", "team_id": "TEAM"}, "value"),
    ("/api/v1/routing/rules", "post", {"kind": "keyword", "value": "x"}, "team_id"),
    ("/api/v1/routing/rules", "post", {"kind": "keyword", "value": "x", "team_id": 99999}, "team_id"),
    ("/api/v1/routing/rules", "post", {"kind": "keyword", "value": "x", "team_id": "TEAM", "priority": "asap"},
     "priority"),
    ("/api/v1/routing/rules", "post", {"kind": "channel", "value": "fax", "team_id": "TEAM"}, "value"),
    ("/api/v1/routing/rules/order", "put", {"rule_ids": [12345]}, "rule_ids"),
    ("/api/v1/routing/rules/order", "put", {}, "rule_ids"),
    ("/api/v1/routing/agents/AGENT", "put", {"capacity": -1}, "capacity"),
    ("/api/v1/routing/agents/AGENT", "put", {"capacity": "3"}, "capacity"),
    ("/api/v1/routing/agents/AGENT", "put", {"capacity": True}, "capacity"),
    ("/api/v1/routing/agents/AGENT", "put", {}, "capacity"),
])
def test_bad_input_is_a_422_naming_the_field(admin_client, acme, url, method, body, field):
    team_id = admin_client.post("/api/v1/teams", json={"name": "Existing"}).get_json()["id"]
    body = {k: (team_id if v == "TEAM" else v) for k, v in body.items()}
    response = getattr(admin_client, method)(url.replace("AGENT", str(acme.agent.id)), json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"], response.get_json()
    assert RoutingRule.select().count() == 0 and Team.select().count() == 1  # nothing half-written


def test_a_team_name_is_unique_per_company(admin_client, globex_admin):
    assert admin_client.post("/api/v1/teams", json={"name": "Billing"}).status_code == 201
    duplicate = admin_client.post("/api/v1/teams", json={"name": "Billing"})
    assert duplicate.status_code == 409 and "Billing" in duplicate.get_json()["error"]["message"]
    assert globex_admin.post("/api/v1/teams", json={"name": "Billing"}).status_code == 201


def test_another_companys_ids_answer_404(admin_client, globex_admin, acme):
    team_id = admin_client.post("/api/v1/teams", json={"name": "Billing"}).get_json()["id"]
    rule_id = admin_client.post("/api/v1/routing/rules",
                                json={"kind": "keyword", "value": "x", "team_id": team_id}).get_json()["id"]
    assert globex_admin.patch(f"/api/v1/teams/{team_id}", json={"name": "Mine"}).status_code == 404
    assert globex_admin.delete(f"/api/v1/teams/{team_id}").status_code == 404
    assert globex_admin.delete(f"/api/v1/routing/rules/{rule_id}").status_code == 404
    assert globex_admin.put(f"/api/v1/routing/agents/{acme.agent.id}", json={"capacity": 1}).status_code == 404
    assert globex_admin.put("/api/v1/routing/rules/order", json={"rule_ids": [rule_id]}).status_code == 422
    assert globex_admin.get("/api/v1/teams").get_json()["items"] == []
    assert globex_admin.get("/api/v1/routing/rules").get_json()["items"] == []
    assert acme.agent.id not in [a["id"] for a in globex_admin.get("/api/v1/routing/agents").get_json()["items"]]
    assert Team.get_by_id(team_id).name == "Billing"


def test_sla_policy_takes_the_reassign_action_and_refuses_unknown_ones(admin_client):
    body = {"targets": {"first_response": {"normal": 60}}, "actions": {"reassign": True, "notify_admins": True}}
    saved = admin_client.put("/api/v1/sla-policy", json=body)
    assert saved.status_code == 200 and saved.get_json()["actions"] == {"reassign": True, "notify_admins": True}
    bad = admin_client.put("/api/v1/sla-policy", json={"targets": {}, "actions": {"page_the_ceo": True}})
    assert bad.status_code == 422 and "actions" in bad.get_json()["error"]["fields"]
    assert admin_client.get("/api/v1/sla-policy").get_json()["actions"]["reassign"] is True

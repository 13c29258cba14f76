"""A merge reaches every agent of the company live, and no one else."""


def test_merge_is_pushed_to_the_companys_agents(socketio, app, make_client, acme, globex, services):
    customer, token = services.customers.start_visit(acme.company)
    target, _ = acme.customer_message("first", customer=customer)
    services.tickets.update(acme.company, acme.agent, target.id, status="resolved")
    source, _ = acme.customer_message("second", customer=customer)
    api, other = make_client(acme.agent), make_client(globex.agent)
    mine, theirs = api.agent_socket(), other.agent_socket()
    visitor = socketio.test_client(app, namespace="/widget", auth={"company": "acme", "token": token})
    mine.get_received("/agent")
    theirs.get_received("/agent")
    visitor.get_received("/widget")

    assert api.post(f"/api/v1/tickets/{source.id}/merge", json={"target_id": target.id}).status_code == 200
    received = mine.get_received("/agent")
    merged = [e["args"][0] for e in received if e["name"] == "ticket_merged"]
    assert len(merged) == 1
    assert merged[0]["source_id"] == source.id and merged[0]["target_id"] == target.id
    assert merged[0]["source"]["status"] == "closed" and len(merged[0]["moved_message_ids"]) == 1
    updated = {e["args"][0]["id"] for e in received if e["name"] == "ticket_updated"}
    assert updated == {source.id, target.id}
    assert [e for e in theirs.get_received("/agent") if e["name"] in ("ticket_merged", "ticket_updated", "message")] == []
    # the customer's conversation carries on in the target (reopened for it): one ticket_status says so;
    # the emptied ticket's closing is not news for them, nor are the agents' merge notes
    widget = visitor.get_received("/widget")
    assert [e["args"][0] for e in widget if e["name"] == "ticket_status"] == [
        {"ticket_id": target.id, "status": "open", "merged_from": source.id}]
    assert [e for e in widget if e["name"] == "message"] == []
    reconnected = socketio.test_client(app, namespace="/widget", auth={"company": "acme", "token": token})
    session = [e["args"][0] for e in reconnected.get_received("/widget") if e["name"] == "session"][0]
    assert session["ticket_id"] == target.id  # the conversation that lives on
    assert [m["body"] for m in session["messages"]] == ["first", "second"]


def test_a_merge_into_an_open_ticket_tells_the_visitor_which_ticket_goes_on(socketio, app, make_client, acme,
                                                                               services):
    customer, token = services.customers.start_visit(acme.company)
    target, _ = acme.customer_message("first", customer=customer)
    services.tickets.update(acme.company, acme.agent, target.id, status="resolved")
    source, _ = acme.customer_message("second", customer=customer)
    services.tickets.update(acme.company, acme.agent, target.id, status="open")  # both open: no status changes
    visitor = socketio.test_client(app, namespace="/widget", auth={"company": "acme", "token": token})
    visitor.get_received("/widget")

    assert make_client(acme.agent).post(f"/api/v1/tickets/{source.id}/merge",
                                        json={"target_id": target.id}).status_code == 200
    assert [e["args"][0] for e in visitor.get_received("/widget") if e["name"] == "ticket_status"] == [
        {"ticket_id": target.id, "status": "open", "merged_from": source.id}]


def test_after_a_merge_the_visitor_asks_for_the_conversation_it_went_into(socketio, app, make_client, acme, services):
    """`history` answers what a new `session` would: the ticket that goes on, with the merged-in messages."""
    customer, token = services.customers.start_visit(acme.company)
    target, _ = acme.customer_message("first", customer=customer)
    services.tickets.update(acme.company, acme.agent, target.id, status="resolved")
    source, _ = acme.customer_message("second", customer=customer)
    visitor = socketio.test_client(app, namespace="/widget", auth={"company": "acme", "token": token})
    stranger = socketio.test_client(app, namespace="/widget", auth={"company": "acme"})
    before = visitor.emit("history", {}, namespace="/widget", callback=True)
    assert before["ticket_id"] == source.id and [m["body"] for m in before["messages"]] == ["second"]

    assert make_client(acme.agent).post(f"/api/v1/tickets/{source.id}/merge",
                                        json={"target_id": target.id}).status_code == 200
    history = visitor.emit("history", {}, namespace="/widget", callback=True)
    assert history == {"ok": True, "ticket_id": target.id, "ticket_status": "open", "ticket_resolved_at": None,
                       "ticket_rated": False, "messages": history["messages"]}
    assert [m["body"] for m in history["messages"]] == ["first", "second"]  # the merge notes are the agents'
    reconnected = socketio.test_client(app, namespace="/widget", auth={"company": "acme", "token": token})
    session = [e["args"][0] for e in reconnected.get_received("/widget") if e["name"] == "session"][0]
    conversation = {key: value for key, value in history.items() if key != "ok"}
    assert {key: session[key] for key in conversation} == conversation
    # only ever the visitor's own conversation
    assert stranger.emit("history", {}, namespace="/widget", callback=True) == {
        "ok": True, "ticket_id": None, "ticket_status": None, "ticket_resolved_at": None, "ticket_rated": False,
        "messages": []}
    bad = visitor.emit("history", "all of them", namespace="/widget", callback=True)
    assert bad["ok"] is False and bad["error"]["status"] == 422

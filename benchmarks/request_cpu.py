"""CPU and SQL statements per request: a customer's message (opening a ticket, then a follow-up),
an agent's reply, a ticket's detail, the inbox list.

    python -m benchmarks.request_cpu [--tickets 200] [--rounds 4]

In-process (Flask's test client, Socket.IO in threading mode, real SQLite on a temporary data dir):
five agents (the admin and four others, default capacity 5 each) are connected to /agent, so
every message and reply is pushed as in the server, and routing runs at once (in the server it
runs as a background task right after). --tickets widget visitors each send a first message,
which opens a ticket and routes it (the first 25 are assigned, the rest wait: nobody has room),
then a follow-up. Then each round replies once to every ticket over HTTP, reads every ticket's
detail, and reads the first 50 rows of the inbox 50 times. Prints process CPU per request (for the
agents' requests the median over rounds) and the statements per request. The first round's
replies also assign the waiting tickets; they are reported apart. CPU is what every other
connection waits for on the server's single gevent loop; run it under `nice -n 19` on a shared
machine and compare runs interleaved.
"""
from __future__ import annotations

import argparse
import collections
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from appliance.app import create_app  # noqa: E402
from appliance.db import close_database, database  # noqa: E402
from appliance.domain.models import Ticket  # noqa: E402
from appliance.services import run_now  # noqa: E402
from appliance.settings import Settings  # noqa: E402

PASSWORD = "correct-horse-battery"
NO_LIMITS = {name: "" for name in ("rate_limit_ip", "rate_limit_company", "rate_limit_socket_ip",
                                   "rate_limit_visitor", "rate_limit_visitor_typing", "rate_limit_connect_ip")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200, help="visitors, each with one ticket")
    parser.add_argument("--rounds", type=int, default=4, help="rounds of replies and reads")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.load({"data_dir": tmp + "/data", "embedder": "hashing", "ollama_host": "http://127.0.0.1:9",
                                  **NO_LIMITS}, environ={})
        app = create_app(settings, async_mode="threading", spawn=run_now)
        app.config["TESTING"] = True
        try:
            run(app, args.tickets, args.rounds)
        finally:
            close_database()


def run(app, tickets: int, rounds: int) -> None:
    services, sio = app.extensions["hearth"], app.extensions["socketio"]
    with database.connection_context():
        company, admin = services.companies.create(name="Bench", slug="bench", admin_email="a@bench.test",
                                                   admin_password=PASSWORD)
        services.companies.update(company, admin, settings={"ai_enabled": False})
    agents, http, csrf = [], None, None
    with database.connection_context():
        emails = ["a@bench.test"] + [services.users.create(company, admin, email=f"agent{n}@bench.test",
                                                           password=PASSWORD, name=f"Agent {n}", role="agent").email
                                     for n in range(1, 5)]
    for email in emails:
        http = app.test_client()
        login = http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        csrf = login.get_json()["csrf_token"]
        agents.append(sio.test_client(app, namespace="/agent", flask_test_client=http, auth={"csrf_token": csrf}))
    visitors = [sio.test_client(app, namespace="/widget", auth={"company": "bench"}) for _ in range(tickets)]

    statements: collections.Counter = collections.Counter()
    db = database.obj
    execute_sql = db.execute_sql

    def counting(sql, *a, **k):
        statements[sql.split(" ", 1)[0]] += 1
        return execute_sql(sql, *a, **k)

    db.execute_sql = counting

    def per_request(started: float, n: int) -> tuple[float, str]:
        cpu = (time.process_time() - started) / n * 1000
        return cpu, ", ".join(f"{kind} {count / n:.1f}" for kind, count in sorted(statements.items()))

    def customer_messages(seq: int) -> tuple[float, str]:
        """Every visitor sends one message over /widget; the first opens (and routes) a ticket."""
        statements.clear()
        started = time.process_time()
        for n, visitor in enumerate(visitors):
            ack = visitor.emit("customer_message", {"text": f"hello {n} {seq}", "client_id": f"c{n}-{seq}"},
                               namespace="/widget", callback=True)
            assert ack["ok"], ack
        return per_request(started, len(visitors))

    opening = customer_messages(0)
    following = customer_messages(1)
    with database.connection_context():
        ids = [t.id for t in Ticket.select(Ticket.id)]

    def measure(requests) -> tuple[float, str]:
        statements.clear()
        started = time.process_time()
        for method, url, body, status in requests:
            response = http.open(url, method=method, json=body, headers={"X-CSRF-Token": csrf})
            assert response.status_code == status, (url, response.get_json())
        return per_request(started, len(requests))

    results: dict[str, list[tuple[float, str]]] = collections.defaultdict(list)
    results["customer message, new ticket"].append(opening)
    results["customer message, follow-up"].append(following)
    for r in range(rounds):
        reply = measure([("POST", f"/api/v1/tickets/{i}/messages", {"body": f"reply {r} {i}"}, 201) for i in ids])
        results["reply, first (assigns)" if r == 0 else "reply"].append(reply)
        results["ticket detail"].append(measure([("GET", f"/api/v1/tickets/{i}", None, 200) for i in ids]))
        results["inbox list (50 rows)"].append(measure([("GET", "/api/v1/tickets?limit=50", None, 200)] * 50))
        for agent in agents:  # drop what was pushed
            agent.get_received("/agent")
        for visitor in visitors:
            visitor.get_received("/widget")
    print(f"{tickets} tickets, {rounds} rounds; CPU per request (median over rounds) and statements per request")
    for label in ("customer message, new ticket", "customer message, follow-up", "reply, first (assigns)", "reply", "ticket detail", "inbox list (50 rows)"):
        runs = results.get(label)
        if runs:
            print(f"  {label:<30} {statistics.median(cpu for cpu, _ in runs):6.2f} ms   {runs[-1][1]}")


if __name__ == "__main__":
    main()

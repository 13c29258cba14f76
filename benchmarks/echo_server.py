"""The baseline for `benchmarks.load`: a bare Flask-SocketIO server on gevent that speaks the same
events as Hearth (login, `/widget` `customer_message` with an ack, `/agent` rooms, agent replies over
HTTP) but stores nothing and decides nothing. It is served the way Hearth is (`appliance.server.wsgi_server`:
the same WSGI server and websocket handler, Nagle's algorithm off), so whatever Hearth adds on top
shows up as a ratio to it.

    python -m benchmarks.echo_server --port PORT
"""
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import itertools  # noqa: E402
from datetime import datetime, timezone  # noqa: E402

from flask import Flask, jsonify, request  # noqa: E402
from flask_socketio import Namespace, SocketIO, emit, join_room  # noqa: E402

from appliance.server import wsgi_server  # noqa: E402 — the transport Hearth serves with (Nagle off)


def create_app() -> tuple[Flask, SocketIO]:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "baseline"
    socketio = SocketIO(app, async_mode="gevent", cors_allowed_origins="*")
    ids = itertools.count(1)
    tickets: dict[int, int] = {}  # ticket id -> visitor number

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.post("/api/v1/auth/login")
    def login():
        return {"csrf_token": "baseline"}

    @app.patch("/api/v1/company")
    def company():
        return {}

    @app.post("/api/v1/tickets/<int:ticket_id>/messages")
    def reply(ticket_id: int):
        body = request.get_json()["body"]
        message = {"id": next(ids), "ticket_id": ticket_id, "author_role": "agent", "body": body,
                   "created_at": datetime.now(timezone.utc).isoformat()}
        socketio.emit("message", message, to=f"visitor:{tickets.get(ticket_id)}", namespace="/widget")
        return jsonify(message), 201

    class Widget(Namespace):
        visitors: dict[str, int] = {}

        def on_connect(self, auth=None):
            visitor = next(ids)
            self.visitors[request.sid] = visitor
            join_room(f"visitor:{visitor}")
            emit("session", {"visitor_token": str(visitor), "ticket_id": None, "messages": []})

        def on_disconnect(self, reason=None):
            self.visitors.pop(request.sid, None)

        def on_customer_message(self, data):
            visitor = self.visitors[request.sid]
            tickets[visitor] = visitor  # one ticket per visitor, numbered like the visitor
            message = {"id": next(ids), "ticket_id": visitor, "author_role": "customer", "body": data["text"],
                       "client_id": data["client_id"], "created_at": datetime.now(timezone.utc).isoformat()}
            emit("message", message, to="agents", namespace="/agent")
            emit("message", message, to=f"visitor:{visitor}")
            return {"ok": True, "ticket_id": visitor, "message_id": message["id"]}

    class Agent(Namespace):
        def on_connect(self, auth=None):
            join_room("agents")

    socketio.on_namespace(Widget("/widget"))
    socketio.on_namespace(Agent("/agent"))
    return app, socketio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app, _socketio = create_app()
    wsgi_server(app, "127.0.0.1", args.port).serve_forever()


if __name__ == "__main__":
    main()

"""What the Ollama test doubles share: Ollama's REST routes and the shapes of its answers.

GET /, /api/version and /api/tags are answered here; each double names its POST routes and
writes its own /api/chat (and /api/pull) out of the line shapes below.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from tests.llm._fake_http import FakeHandler, FakeServer

NOT_FOUND = {"error": "404 page not found"}


def now() -> str:
    """Ollama's created_at format."""
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def full_name(model: str) -> str:
    """Ollama's names always carry a tag."""
    return model if ":" in model.rsplit("/", 1)[-1] else f"{model}:latest"


def chat_line(model: str, content: str) -> dict:
    """One streamed /api/chat line carrying a piece of the answer."""
    return {"model": model, "created_at": now(), "message": {"role": "assistant", "content": content},
            "done": False}


def done_fields(done_reason: str, eval_count: int, *, total_duration: int, eval_duration: int,
                load_duration: int = 0, prompt_eval_count: int = 0, prompt_eval_duration: int = 0) -> dict:
    """The fields that close an /api/chat answer (merged over an empty ``chat_line``)."""
    return {"done": True, "done_reason": done_reason, "total_duration": total_duration,
            "load_duration": load_duration, "prompt_eval_count": prompt_eval_count,
            "prompt_eval_duration": prompt_eval_duration, "eval_count": eval_count, "eval_duration": eval_duration}


class OllamaHandler(FakeHandler):
    """Ollama's routes; POST paths go to the handler methods named in ``post_routes``."""

    fake: "OllamaServer"
    post_routes: dict[str, str] = {"/api/chat": "chat"}

    def failed(self) -> bool:
        """A misbehaviour that answers every endpoint; True if the response has been dealt with."""
        return False

    def do_HEAD(self) -> None:
        self.record()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self.record()
        if self.failed():
            return
        if self.path == "/":
            body = b"Ollama is running"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/api/version":
            self.send_json(200, {"version": self.fake.version})
        elif self.path == "/api/tags":
            self.send_json(200, {"models": self.fake.tag_entries()})
        else:
            self.send_json(404, NOT_FOUND)

    def do_POST(self) -> None:
        request = self.record()
        if self.failed():
            return
        route = self.post_routes.get(self.path)
        if route is None:
            self.send_json(404, NOT_FOUND)
            return
        getattr(self, route)(request.body if isinstance(request.body, dict) else {})

    def model_not_found(self, model: str) -> None:
        self.send_json(404, {"error": f'model "{model}" not found, try pulling it first'})

    def send_line(self, payload: dict) -> None:
        """One NDJSON line of a streamed answer."""
        self.write_chunk(json.dumps(payload) + "\n")


class OllamaServer(FakeServer):
    """An Ollama test double: its handler speaks the protocol; subclasses say which models it has."""

    handler_class: type = OllamaHandler
    version = "0.6.5"
    full_name = staticmethod(full_name)

    def tag_entries(self) -> list[dict[str, Any]]:
        """The /api/tags entries, shaped like Ollama's."""
        raise NotImplementedError

    def chat_requests(self) -> list[dict]:
        """The JSON bodies of every /api/chat request received."""
        return [r.json for r in self.requests_to("/api/chat")]

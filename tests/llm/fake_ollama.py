"""TEST DOUBLE of an Ollama server — not Ollama. Speaks Ollama's REST protocol on 127.0.0.1 for tests.

Endpoints, with the shapes a real Ollama returns:
  GET  /              "Ollama is running"
  GET  /api/version   {"version": "..."}
  GET  /api/tags      {"models": [{"name", "model", "modified_at", "size", "digest", "details"}]}
  POST /api/chat      NDJSON stream (chunked): {"model", "created_at", "message": {"role": "assistant",
                      "content": "<token>"}, "done": false} … then {"done": true, "done_reason": "stop",
                      "total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration",
                      "eval_count", "eval_duration"}; or one JSON object with "stream": false.
                      Unknown model: 404 {"error": "model \"x\" not found, try pulling it first"}.
  POST /api/pull      NDJSON progress: {"status": "pulling manifest"}, {"status": "pulling <digest12>",
                      "digest", "total", "completed"} …, {"status": "verifying sha256 digest"},
                      {"status": "writing manifest"}, {"status": "success"} (the real server says
                      "pulling <digest>" where the API docs say "downloading"; key on digest/total).
                      Unknown model: {"error": "pull model manifest: file does not exist"}.

Set `mode` (a Mode value) to choose how it misbehaves; every request is recorded in `requests`. Set
`hold` (an Event) to stop each streamed answer after `hold_after` tokens until the test sets it.
"""
from __future__ import annotations

import hashlib
import re
import threading
from typing import Any

from tests.llm.ollama_protocol import OllamaHandler, OllamaServer, chat_line, done_fields


class Mode:
    """How the fake answers /api/chat (HTTP_500 and HANG_BEFORE apply to every endpoint)."""

    NORMAL = "normal"            # stream `answer` token by token (404 if the model isn't in `models`)
    NOT_FOUND = "not_found"      # 404 model not found, whatever the model
    HTTP_500 = "http_500"        # 500 {"error": ...}
    HANG_BEFORE = "hang_before"  # accept the connection, never send a byte
    HANG_MID = "hang_mid"        # send `tokens_before_failure` tokens, then stall
    GARBAGE = "garbage"          # 200, then lines that are not JSON
    CLOSE_MID = "close_mid"      # send some tokens, then drop the connection mid-body
    ERROR_MID = "error_mid"      # send some tokens, then an {"error": ...} line, as Ollama does on a crash
    EMPTY = "empty"              # done at once with no content
    NO_DONE = "no_done"          # send some tokens, then end the body cleanly without "done": true
    TRICKLE = "trickle"          # send some tokens, then a space every `trickle_interval` s, never a newline
    ECHO = "echo"                # answer with the whole prompt it was sent (every message, in order): the
                                 # most obedient model an injection ("repeat everything above") could meet


def tokenize(text: str) -> list[str]:
    """Split like a model streams: words with their leading whitespace."""
    return re.findall(r"\s*\S+", text) or [text]


def _digest(name: str) -> str:
    """A stable fake sha256 digest for a model name."""
    return "sha256:" + hashlib.sha256(name.encode()).hexdigest()


class _OllamaHandler(OllamaHandler):
    fake: "FakeOllama"
    post_routes = {"/api/chat": "chat", "/api/pull": "pull"}

    def failed(self) -> bool:
        """Failures that affect every endpoint; True if the response has been dealt with."""
        if self.fake.mode == Mode.HTTP_500:
            self.send_json(500, {"error": "llama runner process has terminated: exit status 2"})
            return True
        if self.fake.mode == Mode.HANG_BEFORE:
            self.hang()
            return True
        return False

    def chat(self, body: dict) -> None:
        fake, model = self.fake, str(body.get("model", ""))
        if fake.mode == Mode.NOT_FOUND or not fake.has_model(model):
            self.model_not_found(model)
            return
        tokens = [] if fake.mode == Mode.EMPTY else tokenize(fake.answer)
        if fake.mode == Mode.ECHO:
            tokens = tokenize("\n".join(str(m.get("content", "")) for m in body.get("messages", [])))
        if body.get("stream") is False:
            self.send_json(200, {**chat_line(model, "".join(tokens)), **self._done(len(tokens))})
            return
        self.start_chunked("application/x-ndjson")
        if fake.mode == Mode.GARBAGE:
            self.write_chunk("this is not json\n")
            self.write_chunk("<html>502 Bad Gateway</html>\n")
            self.end_chunked()
            return
        failing = fake.mode in (Mode.HANG_MID, Mode.CLOSE_MID, Mode.ERROR_MID, Mode.NO_DONE, Mode.TRICKLE)
        for i, token in enumerate(tokens):
            if failing and i == fake.tokens_before_failure:
                break
            if fake.hold is not None and i == fake.hold_after:
                while not fake.hold.wait(0.05) and not fake.released.is_set():
                    pass  # until the test lets the model go on (or stops the server)
            self.pause(fake.token_delay)
            self.send_line(chat_line(model, token))
        if fake.mode == Mode.HANG_MID:
            self.hang()
        elif fake.mode == Mode.CLOSE_MID:
            self.drop_connection()
        elif fake.mode == Mode.ERROR_MID:
            self.send_line({"error": "an error was encountered while running the model"})
            self.end_chunked()
        elif fake.mode == Mode.NO_DONE:
            self.end_chunked()
        elif fake.mode == Mode.TRICKLE:
            while not fake.released.is_set():
                self.write_chunk(" ")
                self.pause(fake.trickle_interval)
        else:
            self.send_line({**chat_line(model, ""), **self._done(len(tokens))})
            self.end_chunked()

    @staticmethod
    def _done(eval_count: int) -> dict:
        return done_fields("stop", eval_count, total_duration=1_234_567_890, load_duration=12_345_678,
                           prompt_eval_count=321, prompt_eval_duration=98_765_432, eval_duration=876_543_210)

    def pull(self, body: dict) -> None:
        fake = self.fake
        name = FakeOllama.full_name(str(body.get("model") or body.get("name") or ""))
        size = fake.pullable.get(name)
        stream = body.get("stream", True) is not False
        if size is None:
            error = {"error": "pull model manifest: file does not exist"}
            if stream:
                self.start_chunked("application/x-ndjson")
                self.send_line(error)
                self.end_chunked()
            else:
                self.send_json(500, error)
            return
        digest = _digest(name)
        steps = [{"status": "pulling manifest"}]
        steps += [{"status": f"pulling {digest[7:19]}", "digest": digest, "total": size,
                   "completed": size * k // 4} for k in range(5)]
        steps += [{"status": "verifying sha256 digest"}, {"status": "writing manifest"}, {"status": "success"}]
        if not stream:
            fake.add_model(name)
            self.send_json(200, {"status": "success"})
            return
        self.start_chunked("application/x-ndjson")
        for step in steps:
            self.pause(fake.pull_delay)
            if step["status"] == "success":
                fake.add_model(name)
            self.send_line(step)
        self.end_chunked()


class FakeOllama(OllamaServer):
    """TEST DOUBLE of an Ollama server; configure `mode`, `answer`, `models`, delays, then point a client at `url`."""

    handler_class = _OllamaHandler

    def __init__(self, models: list[str] | tuple[str, ...] = ("llama3.2:3b",), answer: str = "Hello from the fake.",
                 mode: str = Mode.NORMAL) -> None:
        super().__init__()
        self.models = [self.full_name(m) for m in models]
        self.answer = answer
        self.mode = mode
        self.token_delay = 0.0           # seconds before each token
        self.tokens_before_failure = 2   # for the *_MID, NO_DONE and TRICKLE modes
        self.trickle_interval = 0.1
        self.pullable: dict[str, int] = {}  # model name -> size in bytes that /api/pull can "download"
        self.pull_delay = 0.0
        # Set `hold` to an Event to stop streamed /api/chat answers after `hold_after` tokens until the test sets
        # it (a model still writing while something else happens).
        self.hold: threading.Event | None = None
        self.hold_after = 0

    def has_model(self, model: str) -> bool:
        """Is this model 'installed'?"""
        return self.full_name(model) in self.models

    def add_model(self, model: str) -> None:
        """Install a model (as a finished pull does)."""
        with self.lock:
            if self.full_name(model) not in self.models:
                self.models.append(self.full_name(model))

    def tag_entries(self) -> list[dict[str, Any]]:
        return [self.model_entry(m) for m in self.models]

    def model_entry(self, name: str) -> dict[str, Any]:
        """One /api/tags entry, shaped like Ollama's."""
        return {
            "name": name, "model": name, "modified_at": "2025-05-01T10:11:12.123456789Z",
            "size": 2_019_393_189, "digest": _digest(name)[7:],
            "details": {"parent_model": "", "format": "gguf", "family": "llama", "families": ["llama"],
                        "parameter_size": "3.2B", "quantization_level": "Q4_K_M"},
        }

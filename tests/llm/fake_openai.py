"""TEST DOUBLE of an OpenAI-compatible API — not OpenAI. Just enough of the protocol for the provider's tests.

  POST /v1/chat/completions  with "stream": true: Server-Sent Events, `data: {chat.completion.chunk}` lines
                             (first delta carries the role, then content deltas, then one with
                             "finish_reason": "stop"), then `data: [DONE]`.
  GET  /v1/models            {"object": "list", "data": [{"id", "object": "model", "created", "owned_by"}]}
Errors use OpenAI's shape: {"error": {"message", "type", "param", "code"}}.
"""
from __future__ import annotations

import json
import time

from tests.llm._fake_http import FakeHandler, FakeServer
from tests.llm.fake_ollama import tokenize


class Mode:
    """How the fake answers /v1/chat/completions (HTTP_500 and HANG_BEFORE apply to every endpoint)."""

    NORMAL = "normal"
    HTTP_500 = "http_500"
    HANG_BEFORE = "hang_before"
    HANG_MID = "hang_mid"
    CLOSE_MID = "close_mid"
    GARBAGE = "garbage"
    ERROR_MID = "error_mid"


def _error(message: str, type_: str, code: str | None) -> dict:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


class _OpenAIHandler(FakeHandler):
    fake: "FakeOpenAI"

    def do_GET(self) -> None:
        self.record()
        if not self._preflight():
            return
        if self.path == "/v1/models":
            self.send_json(200, {"object": "list", "data": [
                {"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "fake"} for m in self.fake.models]})
        else:
            self.send_json(404, _error(f"Unknown path {self.path}", "invalid_request_error", None))

    def do_POST(self) -> None:
        request = self.record()
        if not self._preflight():
            return
        if self.path != "/v1/chat/completions":
            self.send_json(404, _error(f"Unknown path {self.path}", "invalid_request_error", None))
            return
        body = request.body if isinstance(request.body, dict) else {}
        model = str(body.get("model", ""))
        if model not in self.fake.models:
            self.send_json(404, _error(f"The model `{model}` does not exist or you do not have access to it.",
                                       "invalid_request_error", "model_not_found"))
            return
        self._stream(model)

    def _preflight(self) -> bool:
        """Auth and the failures common to every endpoint; False if the response has been dealt with."""
        fake = self.fake
        if fake.mode == Mode.HANG_BEFORE:
            self.hang()
            return False
        if fake.api_key and self.headers.get("Authorization") != f"Bearer {fake.api_key}":
            self.send_json(401, _error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"))
            return False
        if fake.mode == Mode.HTTP_500:
            self.send_json(500, _error("The server had an error while processing your request.", "server_error", None))
            return False
        return True

    def _stream(self, model: str) -> None:
        fake = self.fake
        self.start_chunked("text/event-stream; charset=utf-8")
        if fake.mode == Mode.GARBAGE:
            self.write_chunk("data: this is not json\n\n")
            self.end_chunked()
            return
        self._event(self._chunk(model, {"role": "assistant", "content": ""}))
        failing = fake.mode in (Mode.HANG_MID, Mode.CLOSE_MID, Mode.ERROR_MID)
        for i, token in enumerate(tokenize(fake.answer)):
            if failing and i == fake.tokens_before_failure:
                break
            self.pause(fake.token_delay)
            self._event(self._chunk(model, {"content": token}))
        if fake.mode == Mode.HANG_MID:
            self.hang()
        elif fake.mode == Mode.CLOSE_MID:
            self.drop_connection()
        elif fake.mode == Mode.ERROR_MID:
            self._event(_error("The server had an error while processing your request.", "server_error", None))
            self.end_chunked()
        else:
            self._event(self._chunk(model, {}, finish_reason="stop"))
            self.write_chunk("data: [DONE]\n\n")
            self.end_chunked()

    def _event(self, payload: dict) -> None:
        self.write_chunk(f"data: {json.dumps(payload)}\n\n")

    def _chunk(self, model: str, delta: dict, finish_reason: str | None = None) -> dict:
        return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": model, "system_fingerprint": None,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]}


class FakeOpenAI(FakeServer):
    """TEST DOUBLE of an OpenAI-compatible server; its base URL for the client is `base_url`."""

    handler_class = _OpenAIHandler

    def __init__(self, models: list[str] | tuple[str, ...] = ("gpt-4o-mini",), answer: str = "Hello from the fake.",
                 api_key: str | None = "sk-test", mode: str = Mode.NORMAL) -> None:
        super().__init__()
        self.models = list(models)
        self.answer = answer
        self.api_key = api_key
        self.mode = mode
        self.token_delay = 0.0
        self.tokens_before_failure = 2

    @property
    def base_url(self) -> str:
        """What to pass as the client's base_url."""
        return f"{self.url}/v1"

    def chat_requests(self) -> list[dict]:
        """The JSON bodies of every chat-completion request received."""
        return [r.json for r in self.requests_to("/v1/chat/completions")]

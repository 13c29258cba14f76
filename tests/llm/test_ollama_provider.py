"""OllamaProvider through the real `ollama` client against the fake Ollama server."""
from __future__ import annotations

import socket
import time

import pytest

from appliance.llm.ollama_provider import OllamaProvider
from tests.llm.conftest import HANG_BOUND, TIMEOUT, collect, make_request
from tests.llm.fake_ollama import Mode, tokenize


def provider(fake, model: str = "llama3.2:3b") -> OllamaProvider:
    return OllamaProvider(fake.url, model, timeout=TIMEOUT, connect_timeout=TIMEOUT)


def test_streams_tokens_in_order(fake_ollama):
    fake_ollama.token_delay = 0.01
    tokens, error, _ = collect(provider(fake_ollama))
    assert error is None
    assert tokens == tokenize("Refunds take 5 business days [1].")


def test_sends_the_prompt_and_options(fake_ollama):
    collect(provider(fake_ollama))
    [body] = fake_ollama.chat_requests()
    assert body["model"] == "llama3.2:3b"
    assert body["stream"] is True
    assert body["options"] == {"num_predict": 123, "temperature": 0.2}
    system, question = body["messages"][0], body["messages"][-1]
    assert system["role"] == "system" and "You are Acme's friendly support assistant." in system["content"]
    assert "Refunds are issued to the original payment method" in system["content"]
    assert question == {"role": "user", "content": "How long does a refund take?"}


@pytest.mark.parametrize("mode, partial, words", [
    (Mode.NOT_FOUND, False, "ollama pull llama3.2:3b"),
    (Mode.HTTP_500, False, "HTTP 500"),
    (Mode.HANG_BEFORE, False, "stopped responding"),
    (Mode.HANG_MID, True, "stopped responding"),
    (Mode.GARBAGE, False, "not valid Ollama output"),
    (Mode.CLOSE_MID, True, "closed the connection"),
    (Mode.ERROR_MID, True, "error while answering"),
    (Mode.EMPTY, False, "empty answer"),
    (Mode.NO_DONE, True, "before it was complete"),
])
def test_every_failure_becomes_a_provider_error(fake_ollama, mode, partial, words):
    fake_ollama.mode = mode
    tokens, error, elapsed = collect(provider(fake_ollama))
    assert error is not None, f"{mode}: no ProviderError"
    assert words in str(error)
    assert bool(tokens) == partial
    assert elapsed < HANG_BOUND


def test_unknown_model_is_a_provider_error(fake_ollama):
    _, error, _ = collect(provider(fake_ollama, model="mistral:7b"))
    assert "ollama pull mistral:7b" in str(error)


def test_a_server_that_trickles_forever_hits_the_overall_deadline(fake_ollama):
    fake_ollama.mode = Mode.TRICKLE
    tokens, error, elapsed = collect(provider(fake_ollama))
    assert tokens and "took longer than 1.5s" in str(error)
    assert elapsed < HANG_BOUND


def test_a_slow_answer_hits_the_overall_deadline(fake_ollama):
    fake_ollama.answer = "word " * 40
    fake_ollama.token_delay = 0.1  # each gap is within the timeout, the whole answer is not
    slow = OllamaProvider(fake_ollama.url, "llama3.2:3b", timeout=TIMEOUT, total_timeout=0.6)
    tokens, error, elapsed = collect(slow)
    assert tokens and "took longer than 0.6s" in str(error)
    assert elapsed < HANG_BOUND


def test_nothing_listening_is_a_provider_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # free once closed: nothing listens there
    _, error, elapsed = collect(OllamaProvider(f"http://127.0.0.1:{port}", "llama3.2:3b", timeout=TIMEOUT))
    assert "not reachable" in str(error)
    assert elapsed < HANG_BOUND


def test_status_lists_models(fake_ollama):
    fake_ollama.models.append("qwen2.5:0.5b")
    status = provider(fake_ollama).status()
    assert status.available and status.name == "ollama"
    assert status.models == ["llama3.2:3b", "qwen2.5:0.5b"]


def test_status_accepts_a_model_without_tag(fake_ollama):
    fake_ollama.models.append("phi3:latest")
    assert provider(fake_ollama, model="phi3").status().available


def test_status_detects_a_missing_model(fake_ollama):
    status = provider(fake_ollama, model="mistral:7b").status()
    assert not status.available
    assert "llama3.2:3b" in status.detail and "ollama pull mistral:7b" in status.detail
    assert status.models == ["llama3.2:3b"]


@pytest.mark.parametrize("mode, words", [(Mode.HANG_BEFORE, "stopped responding"), (Mode.HTTP_500, "HTTP 500")])
def test_status_reports_an_unhealthy_server(fake_ollama, mode, words):
    fake_ollama.mode = mode
    start = time.monotonic()
    status = provider(fake_ollama).status()
    assert not status.available and words in status.detail
    assert time.monotonic() - start < HANG_BOUND


def test_status_of_an_unreachable_server():
    status = OllamaProvider("http://127.0.0.1:9", "llama3.2:3b", timeout=TIMEOUT).status()
    assert not status.available and "not reachable" in status.detail


def test_stopping_early_closes_the_stream(fake_ollama):
    fake_ollama.answer = "one two three four five six"
    stream = provider(fake_ollama).stream(make_request())
    assert next(stream) == "one"
    stream.close()  # e.g. the customer left: no error, connection released
    tokens, error, _ = collect(provider(fake_ollama))
    assert error is None and "".join(tokens) == "one two three four five six"

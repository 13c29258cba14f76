"""Fixtures for the LLM provider tests: fake model servers, a typical request and collect() to stream it."""
from __future__ import annotations

import time

import pytest

from appliance.llm.base import GenerationRequest, Passage, Provider, ProviderError
from tests.llm.fake_ollama import FakeOllama
from tests.llm.fake_openai import FakeOpenAI

TIMEOUT = 0.5   # provider timeouts in these tests: failures must surface quickly
HANG_BOUND = 6.0  # generous: only catches a hang, never measures speed

REFUND_TEXT = ("Our store ships worldwide. Refunds are issued to the original payment method within 5 business days. "
               "To start a return, open the Orders page and choose Return item. Gift cards cannot be refunded.")


def make_request(question: str = "How long does a refund take?", passages: list[Passage] | None = None,
                 history: list[tuple[str, str]] | None = None) -> GenerationRequest:
    """A request with Acme's prompt and, by default, a refunds passage and a shipping passage."""
    if passages is None:
        passages = [Passage(7, "Refunds and returns", REFUND_TEXT, 0.92),
                    Passage(9, "Shipping times", "Standard shipping takes 3 to 7 days. Express takes 1 day.", 0.41)]
    return GenerationRequest(system_prompt="You are Acme's friendly support assistant.", question=question,
                             passages=passages, history=history or [], max_tokens=123)


def collect(provider: Provider) -> tuple[list[str], ProviderError | None, float]:
    """Stream ``make_request()`` from ``provider``: the tokens received, the ProviderError that ended
    the stream (None if it ended well), and how many seconds it took."""
    tokens, error, start = [], None, time.monotonic()
    try:
        for token in provider.stream(make_request()):
            tokens.append(token)
    except ProviderError as exc:
        error = exc
    return tokens, error, time.monotonic() - start


@pytest.fixture
def request_():
    return make_request()


@pytest.fixture
def fake_ollama():
    with FakeOllama(answer="Refunds take 5 business days [1].") as fake:
        yield fake


@pytest.fixture
def fake_openai():
    with FakeOpenAI(answer="Refunds take 5 business days [1].") as fake:
        yield fake

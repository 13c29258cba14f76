"""OpenAIProvider through the real `openai` client against a fake OpenAI-compatible server."""
from __future__ import annotations

import pytest

from appliance.llm.openai_provider import OpenAIProvider
from tests.llm.conftest import HANG_BOUND, TIMEOUT, collect
from tests.llm.fake_ollama import tokenize
from tests.llm.fake_openai import Mode


def provider(fake, model: str = "gpt-4o-mini", api_key: str = "sk-test") -> OpenAIProvider:
    return OpenAIProvider(api_key, model, base_url=fake.base_url, timeout=TIMEOUT, connect_timeout=TIMEOUT)


def test_streams_tokens_in_order_and_sends_the_prompt(fake_openai):
    tokens, error, _ = collect(provider(fake_openai))
    assert error is None
    assert tokens == tokenize("Refunds take 5 business days [1].")
    [body] = fake_openai.chat_requests()
    assert body["model"] == "gpt-4o-mini" and body["stream"] is True
    assert body["max_tokens"] == 123 and body["temperature"] == 0.2
    assert "Refunds are issued" in body["messages"][0]["content"]
    assert body["messages"][-1] == {"role": "user", "content": "How long does a refund take?"}


@pytest.mark.parametrize("mode, partial, words", [
    (Mode.HTTP_500, False, "HTTP 500"),
    (Mode.HANG_BEFORE, False, "stopped responding"),
    (Mode.HANG_MID, True, "stopped responding"),
    (Mode.CLOSE_MID, True, "dropped the connection"),
    (Mode.GARBAGE, False, "not valid"),
    (Mode.ERROR_MID, True, "error while answering"),
])
def test_every_failure_becomes_a_provider_error(fake_openai, mode, partial, words):
    fake_openai.mode = mode
    tokens, error, elapsed = collect(provider(fake_openai))
    assert error is not None and words in str(error)
    assert bool(tokens) == partial
    assert elapsed < HANG_BOUND


def test_a_slow_answer_hits_the_overall_deadline(fake_openai):
    fake_openai.answer = "word " * 40
    fake_openai.token_delay = 0.1  # each gap is within the timeout, the whole answer is not
    slow = OpenAIProvider("sk-test", "gpt-4o-mini", base_url=fake_openai.base_url, timeout=TIMEOUT,
                          total_timeout=0.6)
    tokens, error, elapsed = collect(slow)
    assert tokens and "took longer than 0.6s" in str(error)
    assert elapsed < HANG_BOUND


def test_wrong_key_and_unknown_model(fake_openai):
    assert "rejected the API key" in str(collect(provider(fake_openai, api_key="sk-wrong"))[1])
    assert "does not know model 'gpt-9'" in str(collect(provider(fake_openai, model="gpt-9"))[1])


def test_status(fake_openai):
    assert provider(fake_openai).status().available
    missing = provider(fake_openai, model="gpt-9").status()
    assert not missing.available and "gpt-4o-mini" in missing.detail
    assert "rejected the API key" in provider(fake_openai, api_key="sk-wrong").status().detail


def test_needs_a_key_for_openai_itself():
    with pytest.raises(ValueError):
        OpenAIProvider("", "gpt-4o-mini")

"""ProviderChain: falls through on failure, resets after partial text, records who answered."""
from __future__ import annotations

import time

import pytest

from appliance.llm.base import ProviderError, ProviderStatus
from appliance.llm.chain import Delta, ProviderChain, Reset
from appliance.llm.extractive import ExtractiveProvider
from appliance.llm.ollama_provider import OllamaProvider
from tests.llm.conftest import HANG_BOUND, TIMEOUT, make_request
from tests.llm.fake_ollama import Mode


class Scripted:
    """A provider that yields given tokens, then optionally raises."""

    def __init__(self, name: str, tokens: list[str], error: Exception | None = None) -> None:
        self.name, self.model, self.tokens, self.error = name, f"{name}-model", tokens, error
        self.closed = False

    def stream(self, request):
        try:
            yield from self.tokens
            if self.error:
                raise self.error
        finally:
            self.closed = True

    def status(self) -> ProviderStatus:
        if self.error:
            raise RuntimeError("status exploded")
        return ProviderStatus(self.name, True, "fine")


def run(chain: ProviderChain):
    """Consume like a caller: apply Resets to a draft; return (answer, draft, events)."""
    answer, draft, events = chain.stream(make_request()), "", []
    for event in answer:
        events.append(event)
        draft = "" if isinstance(event, Reset) else draft + event.text
    return answer, draft, events


def test_first_provider_answers():
    answer, draft, events = run(ProviderChain([Scripted("a", ["Hi", " there"]), Scripted("b", ["no"])]))
    assert draft == answer.text == "Hi there"
    assert (answer.provider, answer.model, answer.done, answer.failures) == ("a", "a-model", True, [])
    assert events == [Delta("Hi", "a", "a-model"), Delta(" there", "a", "a-model")]


def test_failure_before_any_text_falls_through_silently():
    answer, draft, events = run(ProviderChain([Scripted("a", [], ProviderError("down")), Scripted("b", ["B"])]))
    assert draft == answer.text == "B" and answer.provider == "b"
    assert not any(isinstance(e, Reset) for e in events)
    assert [(f.provider, f.reason, f.after_text) for f in answer.failures] == [("a", "down", False)]


def test_failure_mid_answer_resets_then_falls_back():
    first = Scripted("a", ["Partial", " text"], ProviderError("cut off"))
    answer, draft, events = run(ProviderChain([first, Scripted("b", ["Whole answer"])]))
    assert draft == answer.text == "Whole answer"
    assert events[2] == Reset("a", "a-model", "cut off")
    assert isinstance(events[3], Delta) and events[3].provider == "b"
    assert answer.failures[0].after_text and first.closed


def test_a_buggy_provider_is_treated_as_a_failure():
    answer, draft, _ = run(ProviderChain([Scripted("a", ["x"], KeyError("bug")), Scripted("b", ["ok"])]))
    assert draft == "ok" and "KeyError" in answer.failures[0].reason


def test_an_empty_answer_falls_through():
    answer, draft, _ = run(ProviderChain([Scripted("a", ["", ""]), Scripted("b", ["ok"])]))
    assert draft == "ok" and answer.failures[0].reason == "returned an empty answer"


def test_all_failing_raises_after_resetting():
    chain = ProviderChain([Scripted("a", ["x"], ProviderError("one")), Scripted("b", [], ProviderError("two"))])
    answer, events = chain.stream(make_request()), []
    with pytest.raises(ProviderError, match="one.*two"):
        for event in answer:
            events.append(event)
    assert isinstance(events[-1], Reset) and not answer.done and answer.provider is None


def test_closing_early_closes_the_running_provider():
    first = Scripted("a", ["one", "two", "three"])
    answer = ProviderChain([first]).stream(make_request())
    assert next(iter(answer)).text == "one"
    answer.close()
    assert first.closed


def test_read_returns_the_final_text():
    chain = ProviderChain([Scripted("a", ["x"], ProviderError("no")), ExtractiveProvider()])
    answer = chain.stream(make_request())
    assert answer.read().startswith("Refunds are issued") and answer.provider == "extractive"


def test_statuses_never_raise():
    statuses = ProviderChain([Scripted("a", []), Scripted("b", [], ProviderError("x"))]).statuses()
    assert [(s.name, s.available) for s in statuses] == [("a", True), ("b", False)]


def test_needs_a_provider():
    with pytest.raises(ValueError):
        ProviderChain([])


@pytest.mark.parametrize("mode, reset", [
    (Mode.NOT_FOUND, False), (Mode.HTTP_500, False), (Mode.HANG_BEFORE, False), (Mode.GARBAGE, False),
    (Mode.EMPTY, False), (Mode.HANG_MID, True), (Mode.CLOSE_MID, True), (Mode.ERROR_MID, True),
    (Mode.NO_DONE, True),
])
def test_ollama_falls_back_to_extractive(fake_ollama, mode, reset):
    fake_ollama.mode = mode
    ollama = OllamaProvider(fake_ollama.url, "llama3.2:3b", timeout=TIMEOUT, connect_timeout=TIMEOUT)
    start = time.monotonic()
    answer, draft, events = run(ProviderChain([ollama, ExtractiveProvider()]))
    assert time.monotonic() - start < HANG_BOUND
    assert (answer.provider, answer.model) == ("extractive", "extractive")
    assert draft == answer.text
    assert draft.startswith("Refunds are issued") and "Refunds take 5 business days" not in draft
    assert any(isinstance(e, Reset) for e in events) == reset
    assert [f.provider for f in answer.failures] == ["ollama"]


def test_ollama_answers_when_healthy(fake_ollama):
    ollama = OllamaProvider(fake_ollama.url, "llama3.2:3b", timeout=TIMEOUT)
    answer, draft, _ = run(ProviderChain([ollama, ExtractiveProvider()]))
    assert draft == "Refunds take 5 business days [1]."
    assert (answer.provider, answer.model) == ("ollama", "llama3.2:3b")


def test_chain_statuses(fake_ollama):
    ollama = OllamaProvider(fake_ollama.url, "mistral:7b", timeout=TIMEOUT)
    statuses = ProviderChain([ollama, ExtractiveProvider()]).statuses()
    assert [(s.name, s.available) for s in statuses] == [("ollama", False), ("extractive", True)]

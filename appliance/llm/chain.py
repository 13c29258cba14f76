"""Try providers in order until one answers completely; tell the caller when to throw away partial text.

Usage::

    answer = chain.stream(request)          # nothing runs until you iterate
    for event in answer:
        if isinstance(event, Reset):        # the provider that wrote the text so far failed mid-answer:
            draft = ""                      # discard everything shown so far, the next provider starts over
        else:                               # a Delta: append event.text (event.provider/.model wrote it)
            draft += event.text
    save(answer.text, answer.provider, answer.model)   # the final answer and who produced it

Iteration raises ProviderError only if every provider failed (put an ExtractiveProvider last and it
never does). `answer.failures` lists the providers that failed on the way, for logs and the admin view.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterator, Union

from appliance.llm.base import GenerationRequest, Provider, ProviderError, ProviderStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delta:
    """A piece of answer text, and the provider/model that wrote it."""

    text: str
    provider: str
    model: str


@dataclass(frozen=True)
class Reset:
    """Discard every Delta received so far: the provider that wrote them failed mid-answer."""

    provider: str
    model: str
    reason: str


@dataclass(frozen=True)
class Failure:
    """A provider that could not answer; after_text means it failed mid-answer (and a Reset was sent)."""

    provider: str
    model: str
    reason: str
    after_text: bool


ChainEvent = Union[Delta, Reset]


class ChainAnswer:
    """One answer in progress: iterate it (once) for Delta/Reset events; then read provider, model, text."""

    def __init__(self, providers: list[Provider], request: GenerationRequest) -> None:
        self._providers = providers
        self._request = request
        self._events = self._run()
        self.provider: str | None = None   # set once an answer completed
        self.model: str | None = None
        self.text = ""                     # the text of the current attempt; the final answer when done
        self.failures: list[Failure] = []
        self.done = False

    def __iter__(self) -> Iterator[ChainEvent]:
        """The events; see the module docstring."""
        return self._events

    def read(self) -> str:
        """Consume the remaining events and return the final answer text."""
        for _ in self._events:
            pass
        return self.text

    def close(self) -> None:
        """Stop early (e.g. the customer left); closes the running provider's stream."""
        self._events.close()

    def _run(self) -> Iterator[ChainEvent]:
        """Try each provider; on failure, Reset if it had produced text, then go on to the next."""
        for provider in self._providers:
            name, model = provider.name, provider.model
            self.text = ""
            stream = None
            try:
                stream = provider.stream(self._request)
                for text in stream:
                    if text:
                        self.text += text
                        yield Delta(text, name, model)
            except Exception as exc:
                reason = str(exc) if isinstance(exc, ProviderError) else f"unexpected {type(exc).__name__}: {exc}"
                after_text = bool(self.text)
                self.failures.append(Failure(name, model, reason, after_text))
                logger.warning("LLM provider %s (%s) failed %s: %s", name, model,
                               "mid-answer" if after_text else "before answering", reason,
                               exc_info=not isinstance(exc, ProviderError))
                self.text = ""
                if after_text:
                    yield Reset(name, model, reason)
                continue
            finally:
                if stream is not None and hasattr(stream, "close"):
                    stream.close()
            if not self.text:  # a provider that ends without a word has not answered
                self.failures.append(Failure(name, model, "returned an empty answer", False))
                logger.warning("LLM provider %s (%s) returned an empty answer", name, model)
                continue
            self.provider, self.model, self.done = name, model, True
            if self.failures:
                logger.info("Answer produced by fallback provider %s (%s)", name, model)
            return
        summary = "; ".join(f"{f.provider} ({f.model}): {f.reason}" for f in self.failures) or "no providers"
        raise ProviderError(f"No provider could answer. {summary}")


class ProviderChain:
    """Providers in order of preference, e.g. [OllamaProvider, ExtractiveProvider]."""

    def __init__(self, providers: list[Provider]) -> None:
        if not providers:
            raise ValueError("A provider chain needs at least one provider.")
        self.providers = list(providers)

    def stream(self, request: GenerationRequest) -> ChainAnswer:
        """Start an answer (lazily: nothing is contacted until it is iterated)."""
        return ChainAnswer(self.providers, request)

    def statuses(self) -> list[ProviderStatus]:
        """Every provider's health, in chain order; a failing check reports unavailable."""
        result = []
        for provider in self.providers:
            try:
                result.append(provider.status())
            except Exception as exc:
                logger.exception("Status check of %s failed", provider.name)
                result.append(ProviderStatus(provider.name, False, f"Status check failed: {exc}"))
        return result

"""What every text-generation provider offers. One module per backend; the chain tries them in order."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Protocol


class ProviderError(Exception):
    """The provider could not answer (unreachable, timed out, refused, or answered garbage)."""


@dataclass(frozen=True)
class Passage:
    """A piece of the knowledge base given to the model as context."""

    article_id: int
    title: str
    text: str
    score: float = 0.0


@dataclass(frozen=True)
class GenerationRequest:
    system_prompt: str
    question: str
    passages: list[Passage]
    history: list[tuple[str, str]] = field(default_factory=list)  # (role "user"|"assistant", text), oldest first
    max_tokens: int = 400


@dataclass(frozen=True)
class ProviderStatus:
    name: str
    available: bool
    detail: str
    models: list[str] = field(default_factory=list)


class Provider(Protocol):
    name: str      # "ollama", "openai", "extractive"
    model: str     # the model that answers, e.g. "llama3.2:3b"

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Yield the answer's text as it is produced; raise ProviderError on any failure
        (including a timeout before the first token or between tokens)."""
        ...

    def status(self) -> ProviderStatus:
        """Health check: can it answer now, and which models does it have?"""
        ...

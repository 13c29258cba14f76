"""Which models may answer for a company, and running the chain with streaming callbacks."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from ..domain.models import Company
from ..installation import read_cloud_key
from ..llm.base import GenerationRequest, Provider, ProviderStatus
from ..llm.chain import ProviderChain, Reset
from ..llm.extractive import ExtractiveProvider
from ..llm.guard import InstructionGuard
from ..llm.plaintext import plain_text
from ..llm.prompt import build_messages
from ..netguard import NetworkPolicy
from ..redaction import Pseudonyms
from ..settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class GenerationResult:
    text: str
    provider: str
    model: str
    failures: list[str] = field(default_factory=list)
    cloud_sent: dict | None = None  # exactly what went to the cloud model, when it was asked


class RedactingProvider:
    """The cloud provider for one answer: personal data is replaced by numbered placeholders before
    the conversation leaves, and what was sent is kept for the agents to see; the placeholders in
    the cloud's answer are turned back into the real values here, before anyone reads it. (The
    company's own articles in the passages are sent as they are.)"""

    def __init__(self, inner: Provider, names: list[str]):
        self.inner, self.names = inner, names
        self.name, self.model = inner.name, inner.model
        self.sent: dict | None = None

    def stream(self, request: GenerationRequest):
        pseudonyms = Pseudonyms(self.names)
        redacted = GenerationRequest(system_prompt=request.system_prompt, question=pseudonyms.redact(request.question),
                                     passages=request.passages, max_tokens=request.max_tokens,
                                     history=[(role, pseudonyms.redact(text)) for role, text in request.history])
        sent = {"provider": self.inner.name, "model": self.inner.model, "redacted": dict(pseudonyms.counts),
                "messages": build_messages(redacted)}
        self.sent = sent
        yield from pseudonyms.restore_stream(self.inner.stream(redacted))
        if pseudonyms.restored:
            sent["restored"] = dict(pseudonyms.restored)  # the answer carries this customer's own data

    def status(self) -> ProviderStatus:
        return self.inner.status()


class ChainFactory:
    """Builds each company's provider chain: the local Ollama model, then the cloud model only
    when the company enabled it and the installation is not offline-only, then the extractive answer.
    Providers are created once and reused (no client is created at import time); the local one is
    made anew when an admin chooses another model (``model_choice`` names the current one)."""

    def __init__(self, settings: Settings, network: NetworkPolicy | None = None,
                 model_choice: Callable[[], str] | None = None):
        self.settings = settings
        self.network = network or NetworkPolicy(offline_only=settings.offline_only)
        self.model_choice = model_choice or (lambda: settings.ollama_model)
        self._ollama: Provider | None = None
        self._cloud: Provider | None = None
        self._cloud_key: str | None = None
        self._extractive = ExtractiveProvider()

    def local(self) -> Provider:
        model = self.model_choice()
        if self._ollama is None or self._ollama.model != model:
            from ..llm.ollama_provider import OllamaProvider

            self._ollama = OllamaProvider(self.settings.ollama_host, model, timeout=self.settings.llm_timeout)
        return self._ollama

    def cloud_allowed(self, company: Company) -> bool:
        return (not self.network.offline_only and bool(company.setting("ai_cloud_fallback"))
                and self.settings.cloud_key_path.exists())

    def cloud(self) -> Provider:
        """The cloud provider with the current key (rebuilt when an admin replaces the key)."""
        key = read_cloud_key(self.settings)
        if self._cloud is None or key != self._cloud_key:
            from ..llm.openai_provider import OpenAIProvider

            self._cloud = OpenAIProvider(key, self.settings.openai_model,
                                         base_url=self.settings.openai_base_url or None,
                                         timeout=self.settings.llm_timeout)
            self._cloud_key = key
        return self._cloud

    def for_company(self, company: Company, *, extractive_only: bool = False,
                    names: list[str] = ()) -> ProviderChain:
        """The chain for one answer; ``names`` are the people the ticket knows (redacted for the cloud)."""
        providers: list[Provider] = []
        if not extractive_only:
            providers.append(InstructionGuard(self.local()))
            if self.cloud_allowed(company):
                providers.append(RedactingProvider(InstructionGuard(self.cloud()), list(names)))
        providers.append(self._extractive)
        return ProviderChain(providers)

    def statuses(self, company: Company) -> list[ProviderStatus]:
        return self.for_company(company).statuses()


def generate(chain: ProviderChain, request: GenerationRequest, *, on_token: Callable[[str], None] | None = None,
             on_reset: Callable[[], None] | None = None) -> GenerationResult:
    """Run the chain to the end, passing each token (and each "discard what you have") along."""
    answer = chain.stream(request)
    for event in answer:
        if isinstance(event, Reset):
            if on_reset:
                on_reset()
        elif on_token:
            on_token(event.text)
    sent = next((p.sent for p in chain.providers if isinstance(p, RedactingProvider) and p.sent), None)
    # the widget shows text as text: the model's Markdown would reach the customer as "**" and "##"
    return GenerationResult(plain_text(answer.text).strip(), answer.provider or "", answer.model or "",
                            [f"{f.provider}: {f.reason}" for f in answer.failures], sent)

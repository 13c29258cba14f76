"""Which models may answer for a company, and running the chain with streaming callbacks."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from ..domain.models import Company
from ..llm.base import GenerationRequest, Provider, ProviderStatus
from ..llm.chain import ProviderChain, Reset
from ..llm.extractive import ExtractiveProvider
from ..llm.guard import InstructionGuard
from ..settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class GenerationResult:
    text: str
    provider: str
    model: str
    failures: list[str] = field(default_factory=list)


class ChainFactory:
    """Builds each company's provider chain: the local Ollama model, then the cloud model only
    when the company enabled it and the installation is not offline-only, then the extractive answer.
    Providers are created once and reused (no client is created at import time)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._ollama: Provider | None = None
        self._cloud: Provider | None = None
        self._extractive = ExtractiveProvider()

    def local(self) -> Provider:
        if self._ollama is None:
            from ..llm.ollama_provider import OllamaProvider

            self._ollama = OllamaProvider(self.settings.ollama_host, self.settings.ollama_model,
                                          timeout=self.settings.llm_timeout)
        return self._ollama

    def cloud_allowed(self, company: Company) -> bool:
        return (not self.settings.offline_only and bool(company.setting("ai_cloud_fallback"))
                and self.settings.cloud_key_path.exists())

    def cloud(self) -> Provider:
        if self._cloud is None:
            from ..llm.openai_provider import OpenAIProvider

            key = self.settings.cloud_key_path.read_text(encoding="utf-8").strip()
            self._cloud = OpenAIProvider(key, self.settings.openai_model,
                                         base_url=self.settings.openai_base_url or None,
                                         timeout=self.settings.llm_timeout)
        return self._cloud

    def for_company(self, company: Company, *, extractive_only: bool = False) -> ProviderChain:
        providers: list[Provider] = []
        if not extractive_only:
            providers.append(InstructionGuard(self.local()))
            if self.cloud_allowed(company):
                providers.append(InstructionGuard(self.cloud()))
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
    return GenerationResult(answer.text.strip(), answer.provider or "", answer.model or "",
                            [f"{f.provider}: {f.reason}" for f in answer.failures])

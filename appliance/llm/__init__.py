"""Text generation for answers: providers (Ollama, OpenAI, extractive) tried in order by a ProviderChain."""
from appliance.llm.base import GenerationRequest, Passage, Provider, ProviderError, ProviderStatus
from appliance.llm.chain import ChainAnswer, Delta, Failure, ProviderChain, Reset
from appliance.llm.extractive import ExtractiveProvider
from appliance.llm.ollama_provider import OllamaProvider
from appliance.llm.openai_provider import OpenAIProvider

__all__ = [
    "ChainAnswer", "Delta", "ExtractiveProvider", "Failure", "GenerationRequest", "OllamaProvider",
    "OpenAIProvider", "Passage", "Provider", "ProviderChain", "ProviderError", "ProviderStatus", "Reset",
]

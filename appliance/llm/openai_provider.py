"""Answers from OpenAI or an OpenAI-compatible server through the official `openai` client.

Whether this may run at all (offline-only mode, per-company opt-in) is the caller's decision:
nothing here connects anywhere until the caller constructs a provider and asks it something.
"""
from __future__ import annotations

import logging
import time
from typing import Iterator

from appliance.llm.base import GenerationRequest, ProviderError, ProviderStatus
from appliance.llm.prompt import build_messages

logger = logging.getLogger(__name__)

OPENAI_URL = "https://api.openai.com/v1"
DEADLINE_FACTOR = 3  # overall limit for one answer = DEADLINE_FACTOR × timeout unless given


class OpenAIProvider:
    """Streams chat completions; every failure becomes a ProviderError within bounded time.

    `timeout` bounds each wait for data; `total_timeout` (default 3 × timeout) bounds the whole
    answer and is checked as chunks arrive. No retries: the chain falls back instead.
    """

    name = "openai"

    def __init__(self, api_key: str | None, model: str, base_url: str | None = None, timeout: float = 30.0,
                 connect_timeout: float = 5.0, total_timeout: float | None = None) -> None:
        try:
            import openai
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ImportError("The OpenAI provider needs the 'openai' package: pip install openai") from exc
        if not api_key and not base_url:
            raise ValueError("The OpenAI provider needs an API key.")
        self._openai = openai
        self.model = model
        self.base_url = base_url or OPENAI_URL  # explicit, so OPENAI_BASE_URL in the environment is ignored
        self.timeout = timeout
        self.total_timeout = total_timeout if total_timeout is not None else DEADLINE_FACTOR * timeout
        self._client = openai.OpenAI(
            api_key=api_key or "no-key",  # local OpenAI-compatible servers often need none
            base_url=self.base_url,
            timeout=openai.Timeout(timeout, connect=connect_timeout),
            max_retries=0,
        )

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Yield the answer's text deltas; raise ProviderError on any failure or an empty answer."""
        deadline = time.monotonic() + self.total_timeout
        chunks = None
        produced = finished = False
        try:
            chunks = self._client.chat.completions.create(
                model=self.model, messages=build_messages(request), stream=True,
                max_tokens=request.max_tokens, temperature=0.2)
            for chunk in chunks:
                if time.monotonic() > deadline:
                    raise ProviderError(f"{self._where} took longer than {self.total_timeout:g}s to answer; gave up.")
                for choice in chunk.choices or ():
                    text = choice.delta.content if choice.delta else None
                    if text:
                        produced = True
                        yield text
                    if choice.finish_reason:
                        finished = True
                        if choice.finish_reason != "stop":
                            logger.info("OpenAI %s stopped early: %s", self.model, choice.finish_reason)
        except ProviderError:
            raise
        except Exception as exc:
            raise ProviderError(self._describe(exc)) from exc
        finally:
            if chunks is not None:
                chunks.close()
        if not finished:
            raise ProviderError(f"{self._where} ended the answer before it was complete.")
        if not produced:
            raise ProviderError(f"OpenAI model '{self.model}' returned an empty answer.")

    def status(self) -> ProviderStatus:
        """Is the API reachable with this key, and does it offer the configured model?"""
        try:
            models = [m.id for m in self._client.models.list().data]
        except Exception as exc:
            return ProviderStatus(self.name, False, self._describe(exc))
        if self.model not in models:
            shown = ", ".join(models[:20]) + (" …" if len(models) > 20 else "") if models else "none"
            return ProviderStatus(self.name, False,
                                  f"{self._where} does not offer model '{self.model}' (available: {shown}).", models)
        return ProviderStatus(self.name, True, f"{self._where} is ready with '{self.model}'.", models)

    @property
    def _where(self) -> str:
        """How errors name the server."""
        return "OpenAI" if self.base_url == OPENAI_URL else f"The OpenAI-compatible server at {self.base_url}"

    def _describe(self, exc: BaseException) -> str:
        """A sentence a person can act on, for any failure of the client."""
        openai, where = self._openai, self._where
        if isinstance(exc, openai.AuthenticationError):
            return f"{where} rejected the API key (HTTP 401)."
        if isinstance(exc, openai.PermissionDeniedError):
            return f"{where} refused access (HTTP 403): {_message(exc)}"
        if isinstance(exc, openai.NotFoundError):
            return f"{where} does not know model '{self.model}' (HTTP 404): {_message(exc)}"
        if isinstance(exc, openai.RateLimitError):
            return f"{where} is rate-limiting us or the quota is used up (HTTP 429): {_message(exc)}"
        if isinstance(exc, openai.APIStatusError):
            return f"{where} returned HTTP {exc.status_code}: {_message(exc)}"
        if isinstance(exc, openai.APITimeoutError):
            return f"{where} stopped responding (nothing received for {self.timeout:g}s)."
        if isinstance(exc, openai.APIConnectionError):
            return f"{where} is not reachable or dropped the connection."
        if isinstance(exc, openai.APIError):
            return f"{where} reported an error while answering: {exc.message}"
        if isinstance(exc, (ValueError, TypeError, AttributeError)):
            return f"{where} sent a response that is not valid chat-completion output ({type(exc).__name__})."
        logger.debug("Unexpected OpenAI failure", exc_info=exc)
        return f"{where} failed: {type(exc).__name__}: {exc}"


def _message(exc: BaseException) -> str:
    """The server's own error message, without the SDK's decoration."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return inner["message"]
        if isinstance(body.get("message"), str):
            return body["message"]
    return getattr(exc, "message", None) or str(exc)

"""Answers from a local Ollama server through the official `ollama` client."""
from __future__ import annotations

import functools
import json
import logging
import time
from typing import Any, Iterator

from appliance.llm.base import GenerationRequest, ProviderError, ProviderStatus
from appliance.llm.prompt import build_messages

logger = logging.getLogger(__name__)

DEADLINE_FACTOR = 3  # overall limit for one response = DEADLINE_FACTOR × timeout unless given


class _DeadlineExceeded(Exception):
    """A response body took longer than the overall deadline."""


class OllamaProvider:
    """Streams answers from Ollama; every failure becomes a ProviderError, and nothing waits forever.

    `timeout` bounds each wait for data (before the first byte and between chunks, via httpx's read
    timeout); `total_timeout` (default 3 × timeout) bounds a whole response body, so a server that
    keeps trickling bytes cannot hold a customer's reply either.
    """

    name = "ollama"

    def __init__(self, host: str, model: str, timeout: float, connect_timeout: float = 2.0,
                 total_timeout: float | None = None) -> None:
        try:
            import httpx
            import ollama
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ImportError("The Ollama provider needs the 'ollama' package: pip install ollama") from exc
        self._ollama = ollama
        self._httpx = httpx
        self.host = host
        self.model = model
        self.timeout = timeout
        self.total_timeout = total_timeout if total_timeout is not None else DEADLINE_FACTOR * timeout
        self._client = ollama.Client(
            host=host,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            event_hooks={"response": [self._limit_body_time]},
        )

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Yield the answer's text deltas; raise ProviderError on any failure or an empty answer."""
        messages = build_messages(request)
        options = {"num_predict": request.max_tokens, "temperature": 0.2}
        chunks = None
        produced = finished = False
        try:
            chunks = self._client.chat(self.model, messages, stream=True, options=options)
            for chunk in chunks:
                text = chunk.message.content or ""
                if text:
                    produced = True
                    yield text
                if chunk.done:
                    finished = True
                    if chunk.done_reason and chunk.done_reason != "stop":
                        logger.info("Ollama %s stopped early: %s", self.model, chunk.done_reason)
                    break
        except Exception as exc:
            raise ProviderError(self._describe(exc)) from exc
        finally:
            if chunks is not None:
                chunks.close()  # releases the HTTP connection when we stop early
        if not finished:
            raise ProviderError(f"Ollama at {self.host} ended the answer before it was complete.")
        if not produced:
            raise ProviderError(f"Ollama model '{self.model}' returned an empty answer.")

    def status(self) -> ProviderStatus:
        """Is Ollama reachable, and is the configured model installed?"""
        try:
            listing = self._client.list()
            models = [m.model for m in listing.models if m.model]
        except Exception as exc:
            return ProviderStatus(self.name, False, self._describe(exc))
        if _full_name(self.model) not in {_full_name(m) for m in models}:
            installed = ", ".join(models) if models else "none"
            return ProviderStatus(
                self.name, False,
                f"Model '{self.model}' is not installed in Ollama at {self.host} (installed: {installed}). "
                f"Install it with `ollama pull {self.model}`.", models)
        return ProviderStatus(self.name, True, f"Ollama at {self.host} is ready with '{self.model}'.", models)

    def _limit_body_time(self, response: Any) -> None:
        """httpx response hook: make the body stream fail once the overall deadline has passed."""
        stream_class = _deadline_stream_class(self._httpx)
        response.stream = stream_class(response.stream, time.monotonic() + self.total_timeout)

    def _describe(self, exc: BaseException) -> str:
        """A sentence a person can act on, for any failure of the client."""
        httpx, ollama = self._httpx, self._ollama
        where = f"Ollama at {self.host}"
        if isinstance(exc, ollama.ResponseError):
            if exc.status_code == 404:
                return (f"Ollama model '{self.model}' is not available ({exc.error}). "
                        f"Install it with `ollama pull {self.model}`.")
            if exc.status_code == -1:
                return f"{where} reported an error while answering: {exc.error}"
            return f"{where} returned HTTP {exc.status_code}: {exc.error}"
        if isinstance(exc, _DeadlineExceeded):
            return f"{where} took longer than {self.total_timeout:g}s to answer; gave up."
        if isinstance(exc, httpx.ConnectTimeout):
            return f"{where} did not accept the connection in time; is the host right?"
        if isinstance(exc, (httpx.ConnectError, ConnectionError)):
            return f"{where} is not reachable; is Ollama running?"
        if isinstance(exc, httpx.TimeoutException):
            return f"{where} stopped responding (nothing received for {self.timeout:g}s)."
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
            return f"{where} closed the connection in the middle of the answer."
        if isinstance(exc, (json.JSONDecodeError, ValueError, TypeError, AttributeError)):
            return f"{where} sent a response that is not valid Ollama output ({type(exc).__name__})."
        logger.debug("Unexpected Ollama failure", exc_info=exc)
        return f"{where} failed: {type(exc).__name__}: {exc}"


@functools.cache
def _deadline_stream_class(httpx: Any) -> type:
    """An httpx byte stream (httpx checks the type) that fails once a chunk arrives after a deadline."""

    class DeadlineStream(httpx.SyncByteStream):
        def __init__(self, inner: Any, deadline: float) -> None:
            self._inner, self._deadline = inner, deadline

        def __iter__(self) -> Iterator[bytes]:
            for chunk in self._inner:
                if time.monotonic() > self._deadline:
                    raise _DeadlineExceeded()
                yield chunk

        def close(self) -> None:
            self._inner.close()

    return DeadlineStream


def _full_name(model: str) -> str:
    """Ollama names always carry a tag: 'llama3.2' means 'llama3.2:latest'."""
    return model if ":" in model.rsplit("/", 1)[-1] else f"{model}:latest"

"""The model manager: the local Ollama host, its models, pulling one, choosing which answers, a test."""
from __future__ import annotations

import logging
import re
import time
import uuid
from datetime import datetime
from typing import Any, Callable

from .. import events
from ..domain.models import Company, User
from ..errors import BadRequest, HearthError
from ..events import EventBus
from ..llm.base import GenerationRequest, ProviderError
from ..settings import Settings
from .base import clean_text
from .installation import InstallationService

logger = logging.getLogger(__name__)

# Models that answer support questions well on an ordinary office PC (sizes as Ollama lists them).
RECOMMENDED = (
    {"name": "llama3.2:3b", "size": "2.0 GB", "about": "Good answers on a PC with 8 GB of memory (the default)."},
    {"name": "llama3.2:1b", "size": "1.3 GB", "about": "Faster on an older PC; shorter, simpler answers."},
    {"name": "qwen2.5:3b", "size": "1.9 GB", "about": "Strong in many languages."},
)

INSTALL_HELP = (
    "Hearth could not reach Ollama, the free program that runs the AI model on this computer. "
    "Until it is there, Hearth keeps answering customers by quoting the best matching help article.\n"
    "To install Ollama: on another computer with internet, open ollama.com, choose Download for your "
    "system (Windows, macOS or Linux) and install it on this computer; on Linux the site gives a one-line "
    "install command (curl -fsSL https://ollama.com/install.sh | sh). Start Ollama, come back to this page "
    "and press Refresh, then pull a recommended model below."
)

TEST_PROMPT = "This is a test question from the Hearth console. Answer in one or two short sentences."

_MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,199}(?::[A-Za-z0-9._\-]{1,100})?$")
PULL_STEPS = 100  # at most one progress event per 1% of a layer


class ModelUnavailable(HearthError):
    status = 503
    code = "model_unavailable"


def full_name(model: str) -> str:
    """Ollama names always carry a tag: 'llama3.2' means 'llama3.2:latest'."""
    return model if ":" in model.rsplit("/", 1)[-1] else f"{model}:latest"


class ModelService:
    """Talks to the Ollama host named by the ``ollama_host`` setting through the official client."""

    def __init__(self, settings: Settings, bus: EventBus, installation: InstallationService,
                 local_provider: Callable[[], Any], clock: Callable[[], datetime],
                 monotonic: Callable[[], float] = time.monotonic):
        self.settings = settings
        self.bus = bus
        self.installation = installation
        self.local_provider = local_provider   # the chain's Ollama provider for the chosen model
        self.clock = clock
        self.monotonic = monotonic
        self._client = None

    def client(self):
        if self._client is None:
            import httpx
            import ollama

            # Pulls stream for minutes; a long read timeout between progress lines, a short connect one.
            self._client = ollama.Client(host=self.settings.ollama_host, timeout=httpx.Timeout(300, connect=2))
        return self._client

    def overview(self) -> dict[str, Any]:
        """The Ollama host's state, its models, the chosen model, the recommended ones and, when
        Ollama is absent, how to get it."""
        active = self.installation.ollama_model()
        result: dict[str, Any] = {"host": self.settings.ollama_host, "reachable": False,
                                  "models": [], "active_model": active, "active_installed": False,
                                  "recommended": [dict(r) for r in RECOMMENDED], "install_help": None, "detail": ""}
        try:
            listing = self.client().list()
        except Exception as exc:
            logger.info("Ollama at %s is not reachable: %s", self.settings.ollama_host, exc)
            result["detail"] = f"Ollama at {self.settings.ollama_host} is not reachable ({type(exc).__name__})."
            result["install_help"] = INSTALL_HELP
            return result
        models = []
        for m in listing.models:
            details = m.details
            models.append({"name": m.model, "size": m.size,
                           "parameter_size": getattr(details, "parameter_size", None) if details else None,
                           "quantization": getattr(details, "quantization_level", None) if details else None})
        installed = {full_name(m["name"]) for m in models}
        for r in result["recommended"]:
            r["installed"] = full_name(r["name"]) in installed
        result.update(reachable=True, models=models, active_installed=full_name(active) in installed,
                      detail=f"Ollama at {self.settings.ollama_host} is running with {len(models)} model(s).")
        return result

    @staticmethod
    def check_name(model: Any) -> str:
        if not isinstance(model, str) or not _MODEL_NAME.match(model.strip()):
            raise BadRequest.field("model", "give an Ollama model name such as llama3.2:3b")
        return model.strip()

    # ---- pulling ------------------------------------------------------------------------------
    def start_pull(self, model: Any) -> tuple[str, str]:
        """Check the name and hand out a pull id; the caller runs ``run_pull`` in the background."""
        return uuid.uuid4().hex[:12], self.check_name(model)

    def run_pull(self, company_id: int, pull_id: str, model: str) -> None:
        """Pull a model, publishing MODEL_PULL progress (throttled to ~1% steps) and the outcome."""
        def report(state: str, status: str, completed: int = 0, total: int = 0, message: str = "") -> None:
            self.bus.publish(events.MODEL_PULL, company_id=company_id, pull_id=pull_id, model=model, state=state,
                             status=status, completed=completed, total=total, message=message)

        last: tuple[str, int] = ("", -1)
        try:
            report("running", "starting")
            for part in self.client().pull(model, stream=True):
                status, total, completed = part.status or "", part.total or 0, part.completed or 0
                step = completed * PULL_STEPS // total if total else -1
                if (status, step) != last and status != "success":  # success is reported as "done" below
                    last = (status, step)
                    report("running", status, completed, total)
            report("done", "success", message=f"{model} is ready")
        except Exception as exc:
            message = getattr(exc, "error", None) or f"Ollama at {self.settings.ollama_host} is not reachable"
            logger.warning("pulling %s failed: %s", model, exc)
            report("failed", "failed", message=f"could not pull {model}: {message}")

    # ---- choosing and testing ---------------------------------------------------------------------
    def choose(self, company: Company, actor: User, model: Any) -> str:
        """Make an installed model the one that answers (from the next answer on)."""
        model = self.check_name(model)
        overview = self.overview()
        if not overview["reachable"]:
            raise ModelUnavailable(f"{overview['detail']} Start Ollama, then choose the model again.")
        names = {full_name(m["name"]): m["name"] for m in overview["models"]}
        if full_name(model) not in names:
            installed = ", ".join(names.values()) or "none"
            raise BadRequest.field("model",
                                   f"{model} is not installed in Ollama (installed: {installed}); pull it first")
        chosen = names[full_name(model)]
        self.installation.set(company, actor, "ollama_model", chosen)
        self.bus.publish(events.MODEL_CHOSEN, company_id=company.id, model=chosen)
        return chosen

    def test(self, company: Company, question: Any = None) -> dict[str, Any]:
        """Ask the chosen model one question; the answer, the model and how long it took."""
        question = clean_text(question, "question", self.settings.max_message_length) if question else \
            "In one sentence, what can you help customers with?"
        provider = self.local_provider()
        request = GenerationRequest(system_prompt=f"{company.setting('ai_system_prompt')} {TEST_PROMPT}",
                                    question=question, passages=[], max_tokens=120)
        started = self.monotonic()
        try:
            answer = "".join(provider.stream(request)).strip()
        except ProviderError as exc:
            raise ModelUnavailable(str(exc)) from None
        return {"model": provider.model, "question": question, "answer": answer,
                "latency_ms": round((self.monotonic() - started) * 1000)}

"""The AI reply pipeline for one customer message: analyse → retrieve → decide → generate or hand over."""
from __future__ import annotations

import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from .. import events
from ..db import database
from ..domain.models import Article, Company, Customer, Message, Ticket, User
from ..events import EventBus
from ..llm.base import GenerationRequest, Passage
from ..rag.chunking import passage_around
from ..rag.retrieval import Retrieval, Retriever
from ..services.tickets import TicketService
from .analysis import analyse
from .cache import AnswerCache, CachedAnswer
from .confidence import ConfidenceModel
from ..errors import BadRequest
from .generation import ChainFactory, GenerationResult, generate

logger = logging.getLogger(__name__)

GREETING_REPLY = "Hi! What can I help you with today?"
THANKS_REPLY = "You're welcome! Is there anything else I can help with?"
HANDOFF_NOTICE = ("Thanks for your patience — I've passed your question to our team, and a person will "
                  "answer you right here as soon as they can.")
CLOSING_REPLY = "Thanks for getting in touch. Have a good day!"
HUMAN_NOTICE = "Of course — I've asked a member of our team to join. They'll answer you right here shortly."
CONTEXT_TURNS = 6
PASSAGES = 3
PASSAGE_CHARS = 1500


@dataclass
class Decision:
    """What the pipeline decided for a question, before any text is generated."""

    retrieval: Retrieval
    confidence: float
    threshold: float
    answer: bool
    kind: str = "question"   # what the message is (analysis.analyse); only a "question" is answered from the KB

    @property
    def sources(self) -> list[dict[str, Any]]:
        return [{"article_id": h.article_id, "title": h.title, "score": round(h.score, 4)}
                for h in self.retrieval.hits[:PASSAGES]]


_FOLLOW_UP = re.compile(r"^(and|also|what about|how about|but|so)\b|\b(it|its|it's|that|this|they|them|their|"
                        r"there|those|these|one|same)\b", re.I)


def retrieval_query(question: str, earlier_customer_turns: list[str]) -> str:
    """The text to search with: a short follow-up that points back ("and for kids?", "is it open
    then?") carries the previous turn along; a short new question stands alone."""
    if earlier_customer_turns and len(question.split()) <= 8 and _FOLLOW_UP.search(question):
        return f"{earlier_customer_turns[-1]} {question}"
    return question


_CITATION = re.compile(r"\[(\d{1,2})\]")


def cite(answer: str, sources: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """A model's answer with its citations numbered as the sources it cites, and those sources.

    The model cites the passages of its prompt as [1], [2]…; the message keeps only the cited ones,
    in the order first cited, so "[3] … [1]" becomes "[1] … [2]" beside "Sources: C · A". A number no
    passage has ("sizes [52] and [54]") is text, left as it is. An answer that cites none keeps the
    best source."""
    cited = [int(n) for n in _CITATION.findall(answer)]
    order = [n for n in dict.fromkeys(cited) if 1 <= n <= len(sources)]
    if not order:
        return answer, sources[:1]
    position = {n: i + 1 for i, n in enumerate(order)}
    text = _CITATION.sub(lambda m: f"[{position[int(m.group(1))]}]" if int(m.group(1)) in position else m.group(0),
                         answer)
    return text, [sources[n - 1] for n in order]


@dataclass
class AIResponder:
    bus: EventBus
    tickets: TicketService
    retriever: Retriever
    confidence: ConfidenceModel
    chains: ChainFactory
    cache: AnswerCache
    spawn: Callable[..., Any]
    timings: list[float] = field(default_factory=list)
    # ticket id -> a flag per answer being streamed on it now, set when a person takes the ticket over
    _streaming: dict[int, list[list[bool]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.bus.subscribe(events.MESSAGE_CREATED, self._on_message)
        self.bus.subscribe(events.TICKET_UPDATED, self._on_ticket_updated)
        self.bus.subscribe(events.KNOWLEDGE_CHANGED, self._on_knowledge_changed)
        self.bus.subscribe(events.COMPANY_UPDATED, lambda _n, e: self.cache.invalidate(e["company_id"]))

    def _on_knowledge_changed(self, _name: str, event: dict) -> None:
        self.cache.invalidate(event["company_id"])
        self.retriever.forget(event["company_id"])

    def _on_message(self, _name: str, event: dict) -> None:
        message, ticket = event["message"], event["ticket"]
        if message.author_role == "customer" and ticket.status == "bot":
            self.spawn(self._respond_safely, event["company_id"], ticket.id, message.id)

    # ---- deciding -------------------------------------------------------------------------
    def decide(self, company: Company, question: str, *, earlier: list[str] = (), mode: str = "hybrid",
               k: int = 5, history: list[tuple[str, str]] | None = None) -> Decision:
        """Retrieve for the question and decide whether the AI may answer it. ``history`` is the
        conversation before the question as (role, text) pairs, oldest first, role "user" or
        "assistant"; without it ``earlier`` (the customer's earlier messages) stands in for it.
        A message that is no question for the KB (``analysis.analyse``: small talk, a goodbye, a
        booking request, a request for a person) is never answered from it: confidence 0."""
        turns = list(history) if history is not None else [("user", text) for text in earlier]
        customer_turns = [text for role, text in turns if role == "user"]
        conversation = [question] + [text for _role, text in reversed(turns)]
        retrieval = self.retriever.search(company.id, retrieval_query(question, customer_turns), k=k, mode=mode,
                                          conversation=conversation)
        threshold = float(company.setting("ai_confidence_threshold"))
        kind = analyse(question).kind
        if kind != "question":  # small talk, a goodbye, a booking or a request for a person: no KB answer
            return Decision(retrieval, 0.0, threshold, False, kind)
        confidence = self.confidence.score(retrieval)
        return Decision(retrieval, confidence, threshold, bool(retrieval.hits) and confidence >= threshold, kind)

    def request_for(self, company: Company, question: str, decision: Decision,
                    history: list[tuple[str, str]] = ()) -> GenerationRequest:
        hits = decision.retrieval.hits[:PASSAGES]
        bodies = dict(Article.select(Article.id, Article.body)
                      .where((Article.id.in_([h.article_id for h in hits])) & (Article.company == company)).tuples())
        return GenerationRequest(
            system_prompt=company.setting("ai_system_prompt"), question=question, history=list(history),
            passages=[Passage(h.article_id, h.title, passage_around(bodies.get(h.article_id, h.text), h.text,
                                                                     PASSAGE_CHARS), h.score) for h in hits])

    def draft(self, company: Company, question: str, decision: Decision,
              history: list[tuple[str, str]] = (), *, extractive_only: bool = False,
              ticket: Ticket | None = None) -> GenerationResult:
        """A complete (not streamed) answer for a decided question: agent assist, drafts, evaluation."""
        request = self.request_for(company, question, decision, history)
        chain = self.chains.for_company(company, extractive_only=extractive_only, names=known_names(company, ticket))
        return generate(chain, request)

    def suggest(self, company: Company, ticket: Ticket) -> tuple[GenerationResult, Decision]:
        """Agent assist: a reply drafted from the KB for the ticket's latest customer message."""
        last = (Message.select().where((Message.ticket == ticket) & (Message.author_role == "customer"))
                .order_by(Message.id.desc()).first())
        if last is None:
            raise BadRequest("this ticket has no customer message to answer yet")
        history = self._history(ticket, before=last.id)
        decision = self.decide(company, last.body, history=history)
        return self.draft(company, last.body, decision, history, ticket=ticket), decision

    # ---- answering ------------------------------------------------------------------------
    def _respond_safely(self, company_id: int, ticket_id: int, message_id: int) -> None:
        with database.connection_context():
            try:
                self.respond(company_id, ticket_id, message_id)
            except Exception:
                logger.exception("AI reply to ticket %s failed; handing over", ticket_id)
                ticket = Ticket.get_or_none(Ticket.id == ticket_id)
                if ticket is not None and ticket.status == "bot":
                    self.tickets.hand_over(ticket.company, ticket, reason="the AI hit an error",
                                           customer_notice=HANDOFF_NOTICE)

    def _on_ticket_updated(self, _name: str, event: dict) -> None:
        ticket = event["ticket"]
        if "status" in event.get("changes", {}) and ticket.status != "bot":
            for flag in self._streaming.get(ticket.id, ()):
                flag[0] = True

    def respond(self, company_id: int, ticket_id: int, message_id: int) -> None:
        started = time.perf_counter()
        company = Company.get_by_id(company_id)
        ticket = Ticket.get_by_id(ticket_id)
        message = Message.get_by_id(message_id)
        question = message.body
        analysis = analyse(question)
        self.tickets.record_analysis(ticket, entities=analysis.entities, intent=None)
        if analysis.kind == "human":
            self.tickets.hand_over(company, ticket, reason="the customer asked for a person",
                                   customer_notice=HUMAN_NOTICE)
            return
        if analysis.kind in ("greeting", "thanks", "closing"):
            body = {"greeting": GREETING_REPLY, "thanks": THANKS_REPLY, "closing": CLOSING_REPLY}[analysis.kind]
            self.tickets.post_ai_message(company, ticket, body=body,
                                         metadata={"provider": "rules", "model": analysis.kind, "sources": [],
                                                   "confidence": 1.0, "latency_ms": _ms(started)})
            return

        history = self._history(ticket, before=message.id)
        # Only an answer that depends on nothing but the question and the KB is shared between customers:
        # a conversation's first question carrying no personal data (an answer to a follow-up could
        # mean something else, or repeat what this customer told us earlier).
        shareable = not history and not any(analysis.entities.values())
        cached = self.cache.get(company.id, question) if shareable else None
        if cached is not None:
            self.tickets.post_ai_message(company, ticket, body=cached.body,
                                         metadata={**cached.metadata, "cached": True, "latency_ms": _ms(started)})
            return

        decision = self.decide(company, question, history=history)
        if decision.retrieval.hits:
            self.tickets.record_analysis(ticket, entities={}, intent=decision.retrieval.hits[0].title)
        request = self.request_for(company, question, decision, history)
        base_meta = {"sources": decision.sources, "confidence": round(decision.confidence, 4),
                     "threshold": decision.threshold}
        if not decision.answer:
            draft = self.draft(company, question, decision, history, extractive_only=True)
            reason = (f"confidence {decision.confidence:.2f} is below the threshold {decision.threshold:.2f}"
                      if decision.kind == "question" else "the customer asked for a booking, which a person makes")
            self.tickets.hand_over(company, ticket, reason=reason, customer_notice=HANDOFF_NOTICE,
                                   draft=draft.text, metadata={**base_meta, "provider": draft.provider,
                                                               "model": draft.model, "draft": draft.text})
            return

        stream_id = uuid.uuid4().hex
        first_token: list[float] = []

        def still_ours() -> bool:
            """Once a person has taken the conversation over (e.g. answered while the model was writing), the
            rest of this answer is for the agents only (it is stored as a note): stop streaming it. The
            takeover is the ticket leaving "bot" (``_on_ticket_updated``), so no token costs a query."""
            return not flag[0]

        def on_token(delta: str) -> None:
            if not first_token:
                first_token.append(time.perf_counter())
            if still_ours():
                self.bus.publish(events.AI_TOKEN, company_id=company.id, ticket=ticket, stream_id=stream_id,
                                 delta=delta)

        def on_reset() -> None:
            if still_ours():
                self.bus.publish(events.AI_RESET, company_id=company.id, ticket=ticket, stream_id=stream_id)

        # a person may have answered while retrieval and the prompt were prepared
        flag = [Ticket.select(Ticket.status).where(Ticket.id == ticket.id).scalar() != "bot"]
        self._streaming.setdefault(ticket.id, []).append(flag)
        try:
            result = generate(self.chains.for_company(company, names=known_names(company, ticket)), request,
                              on_token=on_token, on_reset=on_reset)
        finally:
            flags = self._streaming.get(ticket.id, [])
            flags.remove(flag)
            if not flags:
                self._streaming.pop(ticket.id, None)
        if result.provider == "extractive":  # a quote of the best passage: its "[2]" is the article's own text
            text, base_meta["sources"] = result.text, decision.sources[:1]
        else:
            text, base_meta["sources"] = cite(result.text, decision.sources)
        metadata = {**base_meta, "provider": result.provider, "model": result.model, "stream_id": stream_id,
                    "cached": False, "latency_ms": _ms(started),
                    "first_token_ms": round((first_token[0] - started) * 1000) if first_token else None,
                    "fallbacks": result.failures}
        if result.cloud_sent:
            metadata["cloud_sent"] = result.cloud_sent  # shown to the agents: exactly what left the machine
        self.tickets.post_ai_message(company, ticket, body=text, metadata=metadata)
        self.timings.append(time.perf_counter() - started)
        carries_personal_data = bool((result.cloud_sent or {}).get("restored"))  # this customer's, nobody else's
        if shareable and result.provider != "extractive" and not carries_personal_data:
            self.cache.put(company.id, question, CachedAnswer(text, {k: v for k, v in metadata.items()
                                                                            if k not in ("stream_id", "cloud_sent")}))

    @staticmethod
    def _history(ticket: Ticket, *, before: int) -> list[tuple[str, str]]:
        rows = (Message.select(Message.author_role, Message.body)
                .where((Message.ticket == ticket) & (Message.id < before) & (Message.private == False)  # noqa: E712
                       & Message.author_role.in_(["customer", "agent", "ai"]))
                .order_by(Message.id.desc()).limit(CONTEXT_TURNS))
        return [("user" if r.author_role == "customer" else "assistant", r.body) for r in reversed(list(rows))]


def known_names(company: Company, ticket: Ticket | None) -> list[str]:
    """The people a ticket knows by name: its customer and the company's agents (redacted for the cloud)."""
    names = [u.name for u in User.select(User.name).where(User.company == company)]
    if ticket is not None:
        customer = Customer.get_or_none(Customer.id == ticket.customer_id)
        if customer is not None and customer.name:
            names.append(customer.name)
    return names


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)

"""Assembling the AI parts from settings: embedder, indexes, retriever, providers, responder."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from ..events import EventBus
from ..netguard import NetworkPolicy
from ..rag.embedder import create_embedder
from ..rag.keyword import KeywordIndex
from ..rag.retrieval import Retriever
from ..rag.vectors import VectorStore
from ..services.knowledge import KnowledgeService
from ..services.tickets import TicketService
from ..settings import Settings
from .cache import AnswerCache
from .confidence import ConfidenceModel
from .generation import ChainFactory
from .responder import AIResponder


def build_ai(settings: Settings, bus: EventBus, clock: Callable[[], datetime], tickets: TicketService,
             spawn: Callable[..., Any], network: NetworkPolicy | None = None,
             model_choice: Callable[[], str] | None = None) -> tuple[KnowledgeService, AIResponder]:
    embedder = create_embedder(settings.embedder, cache_dir=settings.models_path)
    vectors = VectorStore(settings.chroma_path)
    keywords = KeywordIndex()
    knowledge = KnowledgeService(settings, bus, clock, embedder=embedder, vectors=vectors, keywords=keywords)
    retriever = Retriever(embedder, vectors, keywords, title_weight=settings.retrieval_title_weight,
                          vote_weight=settings.retrieval_vote_weight)
    responder = AIResponder(bus=bus, tickets=tickets, retriever=retriever, confidence=ConfidenceModel.load(),
                            chains=ChainFactory(settings, network, model_choice), cache=AnswerCache(),
                            spawn=spawn)
    return knowledge, responder

"""Semantic search: each company's chunks in its own embedded ChromaDB collection."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)


class VectorStore:
    """A ChromaDB PersistentClient in the data dir (telemetry off); one collection per company.
    Embeddings are always computed by Hearth and passed in, so Chroma never loads a model."""

    def __init__(self, path: Path):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        path.mkdir(parents=True, exist_ok=True)
        self._client = chromadb.PersistentClient(
            path=str(path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False))
        self._collections: dict[int, object] = {}

    def _collection(self, company_id: int):
        collection = self._collections.get(company_id)
        if collection is None:
            collection = self._client.get_or_create_collection(
                name=f"hearth-company-{company_id}", embedding_function=None,
                metadata={"hnsw:space": "cosine", "hnsw:search_ef": 100})
            self._collections[company_id] = collection
        return collection

    def upsert(self, company_id: int, chunk_ids: list[int], article_ids: list[int], embeddings: np.ndarray) -> None:
        if not chunk_ids:
            return
        self._collection(company_id).upsert(
            ids=[str(i) for i in chunk_ids], embeddings=np.asarray(embeddings, dtype=np.float32),
            metadatas=[{"article_id": int(a)} for a in article_ids])

    def remove_ids(self, company_id: int, chunk_ids: list[int]) -> None:
        if chunk_ids:
            self._collection(company_id).delete(ids=[str(i) for i in chunk_ids])

    def remove_article(self, company_id: int, article_id: int) -> None:
        self._collection(company_id).delete(where={"article_id": int(article_id)})

    def remove_company(self, company_id: int) -> None:
        self._collections.pop(company_id, None)
        try:
            self._client.delete_collection(f"hearth-company-{company_id}")
        except Exception:  # chromadb raises different types for "does not exist" across versions
            logger.debug("no vector collection for company %s", company_id)

    def vectors_of(self, company_id: int, chunk_ids: list[int]) -> dict[int, np.ndarray]:
        """The stored vectors of these chunks (those the collection holds)."""
        if not chunk_ids:
            return {}
        got = self._collection(company_id).get(ids=[str(i) for i in chunk_ids], include=["embeddings"])
        return {int(i): np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"])}

    def count(self, company_id: int) -> int:
        return self._collection(company_id).count()

    def ids(self, company_id: int) -> set[int]:
        """Every chunk id the company's collection holds."""
        return {int(i) for i in self._collection(company_id).get(include=[])["ids"]}

    def search(self, company_id: int, embedding: np.ndarray, k: int = 50) -> list[tuple[int, float]]:
        """``(chunk_id, cosine similarity)`` best first."""
        collection = self._collection(company_id)
        n = collection.count()
        if n == 0:
            return []
        result = collection.query(query_embeddings=[np.asarray(embedding, dtype=np.float32)],
                                  n_results=min(k, n), include=["distances"])
        return [(int(i), 1.0 - float(d)) for i, d in zip(result["ids"][0], result["distances"][0])]

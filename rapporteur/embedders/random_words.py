"""A benchmark-only embedder: a fixed sparse random vector per word, summed over the text's words.

No model and no semantics, but it costs microseconds per text, so that a benchmark of a large
index measures the engine rather than the model; and texts that share words get close vectors,
so that an approximate index is measured on vectors with structure, not on uniform noise.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np

from rapporteur.embedders.base import Embedder, EmbeddingKind, normalize_rows

_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


class RandomWordsEmbedder(Embedder):
    """Unit-norm sum of seeded sparse random word vectors (a word hashed to one of `slots`, each
    slot `nonzeros` entries of ±1): a sparse random projection of the text's bag of words."""

    name = "random"
    cacheable = False  # cheaper to recompute than to cache

    def __init__(self, dimension: int = 384, slots: int = 1 << 18, nonzeros: int = 16, seed: int = 0) -> None:
        self.dimension = dimension
        rng = np.random.default_rng(seed)
        self._positions = rng.integers(0, dimension, size=(slots, nonzeros), dtype=np.int64)
        self._signs = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(slots, nonzeros))
        self._slots = slots

    def embed(self, texts: Sequence[str], kind: EmbeddingKind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        slots: list[int] = []
        owners: list[int] = []
        for i, text in enumerate(texts):
            words = _WORD.findall(text.lower()) or [""]
            slots.extend(zlib.crc32(w.encode()) % self._slots for w in words)
            owners.extend([i] * len(words))
        slot = np.asarray(slots, dtype=np.int64)
        cells = np.asarray(owners, dtype=np.int64)[:, None] * self.dimension + self._positions[slot]
        summed = np.bincount(cells.ravel(), weights=self._signs[slot].ravel(), minlength=len(texts) * self.dimension)
        return normalize_rows(summed.reshape(len(texts), self.dimension))

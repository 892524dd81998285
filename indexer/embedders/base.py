"""The embedding interface: one method, `embed(texts, kind)`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Literal

import numpy as np

EmbeddingKind = Literal["query", "passage"]


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors.

    `kind` tells queries from passages, so that backends can add the prefixes their model was
    trained with (e5: "query: " / "passage: ").
    """

    name: str
    dimension: int

    @abstractmethod
    def embed(self, texts: Sequence[str], kind: EmbeddingKind) -> np.ndarray:
        """Vectors of shape (len(texts), dimension), each of unit norm."""

    def embed_query(self, text: str) -> np.ndarray:
        """Vector of one query."""
        return self.embed([text], "query")[0]


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Unit-norm float32 copy of `vectors` (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)

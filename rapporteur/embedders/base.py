"""The embedding interface: one method, `embed(texts, kind)`, plus a token count for query limits."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Literal

import numpy as np

EmbeddingKind = Literal["query", "passage"]
_PIECES = re.compile(r"[^\W_]+|[^\s\w]|_")


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors.

    `kind` tells queries from passages, so that backends can add the prefixes their model was
    trained with (e5: "query: " / "passage: ").
    """

    name: str
    dimension: int
    cacheable: bool = True  # whether the build keeps its vectors in the embedding cache

    @abstractmethod
    def embed(self, texts: Sequence[str], kind: EmbeddingKind) -> np.ndarray:
        """Vectors of shape (len(texts), dimension), each of unit norm."""

    def embed_query(self, text: str) -> np.ndarray:
        """Vector of one query."""
        return self.embed([text], "query")[0]

    def use_threads(self, count: int) -> None:
        """Threads the calling thread's next embeddings may use. A hint: backends that do not
        parallelise one text ignore it."""
        return None

    def count_tokens(self, text: str, kind: EmbeddingKind = "query") -> int:
        """Model tokens of `text` (what the cost of embedding it grows with).

        This default estimates a subword tokenizer: one token per 4 ASCII letters or digits of a
        word, one per other character. Backends with a tokenizer give the exact count.
        """
        count = 2
        for match in _PIECES.finditer(text):
            piece = match.group()
            ascii_chars = sum(c.isascii() for c in piece)
            count += -(-ascii_chars // 4) + (len(piece) - ascii_chars)
        return count


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Unit-norm float32 copy of `vectors` (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)

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
    # Checksum of the model's weights where one name can stand for several (a retrained model):
    # vectors made with other weights must never be mixed with these.
    weights: str | None = None

    @property
    def identity(self) -> str:
        """The name, with the weights' checksum where there is one: what stored vectors are keyed by."""
        return self.name if self.weights is None else f"{self.name}@{self.weights[:16]}"

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


def embedder_record(embedder: Embedder) -> dict[str, object]:
    """What a bundle's manifest records of the embedder that built it."""
    record: dict[str, object] = {"name": embedder.name, "dimension": embedder.dimension}
    if embedder.weights is not None:
        record["weights"] = embedder.weights
    return record


def record_mismatch(embedder: Embedder, record: dict) -> str | None:
    """Why vectors recorded as `record` (`embedder_record`) cannot be compared with `embedder`'s, or None."""
    name, dimension = record.get("name"), record.get("dimension")
    if embedder.name != name or embedder.dimension != dimension:
        return f"was built with {name} ({dimension}d), not {embedder.name} ({embedder.dimension}d)"
    if embedder.weights is not None and record.get("weights") != embedder.weights:
        return f"was built with other weights of {embedder.name} than {embedder.weights[:12]}: rebuild the index"
    return None


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Unit-norm float32 copy of `vectors` (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)

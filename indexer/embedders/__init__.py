"""Embedding backends behind one interface, created by name."""

from indexer.embedders.base import Embedder, EmbeddingKind
from indexer.embedders.registry import DEFAULT_EMBEDDER, available_embedders, create_embedder

__all__ = ["DEFAULT_EMBEDDER", "Embedder", "EmbeddingKind", "available_embedders", "create_embedder"]

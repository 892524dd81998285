"""Embedding backends behind one interface, created by name."""

from rapporteur.embedders.base import Embedder, EmbeddingKind
from rapporteur.embedders.registry import DEFAULT_EMBEDDER, available_embedders, create_embedder

__all__ = ["DEFAULT_EMBEDDER", "Embedder", "EmbeddingKind", "available_embedders", "create_embedder"]

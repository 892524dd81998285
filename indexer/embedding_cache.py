"""Embedding cache keyed by (embedder, kind, text hash): unchanged chunks are never re-embedded."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from indexer.corpus import slugify


def text_key(kind: str, text: str) -> str:
    """Stable key of a text to embed."""
    return hashlib.sha256(f"{kind}\0{text}".encode()).hexdigest()[:32]


class EmbeddingCache:
    """Vectors of one embedder, stored as `vectors.npy` + `keys.json` (no pickle)."""

    def __init__(self, root: Path, embedder_name: str, dimension: int) -> None:
        self.dir = root / slugify(embedder_name)
        self.dimension = dimension
        self._rows: dict[str, np.ndarray] = {}
        keys_path, vectors_path = self.dir / "keys.json", self.dir / "vectors.npy"
        if keys_path.exists() and vectors_path.exists():
            try:
                keys = json.loads(keys_path.read_text())
                vectors = np.load(vectors_path, allow_pickle=False)
            except (OSError, ValueError):
                keys, vectors = [], np.zeros((0, dimension), np.float32)
            if vectors.ndim == 2 and vectors.shape == (len(keys), dimension):
                self._rows = dict(zip(keys, vectors, strict=True))

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, key: str) -> np.ndarray | None:
        return self._rows.get(key)

    def put(self, key: str, vector: np.ndarray) -> None:
        self._rows[key] = np.asarray(vector, dtype=np.float32)

    def save(self, keep: set[str] | None = None) -> None:
        """Write the cache atomically, keeping only `keep` keys when given."""
        keys = [k for k in self._rows if keep is None or k in keep]
        self.dir.mkdir(parents=True, exist_ok=True)
        vectors = np.stack([self._rows[k] for k in keys]) if keys else np.zeros((0, self.dimension), np.float32)
        tmp_vectors, tmp_keys = self.dir / "vectors.tmp.npy", self.dir / "keys.tmp.json"
        np.save(tmp_vectors, vectors, allow_pickle=False)
        tmp_keys.write_text(json.dumps(keys))
        os.replace(tmp_vectors, self.dir / "vectors.npy")
        os.replace(tmp_keys, self.dir / "keys.json")

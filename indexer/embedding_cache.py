"""Embedding cache keyed by (embedder, kind, text hash): unchanged texts are never re-embedded.

One directory per embedder holds append-only shards, each a pair of plain files (no pickle):
`shard-<id>.npy` (float32 rows) and `shard-<id>.keys` (16-byte keys, one per row, raw bytes).
New vectors are flushed to a new shard every `flush_every` rows, so a build killed midway keeps
what it embedded; a build that embeds nothing writes nothing. `compact(keep)` rewrites the cache
as one shard without the keys no longer used, once they are the majority. A shard is written
under temporary names and renamed into place, its keys last: a shard whose keys file is missing
or does not match its vectors is ignored (and removed by the next compaction).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rapporteur.text.analyzer import slugify

log = logging.getLogger(__name__)

KEY_BYTES = 16
FLUSH_EVERY = 1024
_KEY_DTYPE = np.dtype(f"S{KEY_BYTES}")


def text_key(kind: str, text: str) -> str:
    """Stable key of a text to embed (32 hex digits)."""
    return hashlib.sha256(f"{kind}\0{text}".encode()).hexdigest()[:32]


def raw_keys(keys: Sequence[str]) -> np.ndarray:
    """Keys as 16-byte values (what the cache stores and `compact` takes)."""
    return _raw(keys)


def _raw(keys: Sequence[str]) -> np.ndarray:
    return (
        np.frombuffer(b"".join(bytes.fromhex(k) for k in keys), dtype=_KEY_DTYPE) if keys else np.zeros(0, _KEY_DTYPE)
    )


class EmbeddingCache:
    """Vectors of one embedder, looked up by key in sorted shard keys (vectors memory-mapped)."""

    def __init__(self, root: Path, embedder_name: str, dimension: int, flush_every: int = FLUSH_EVERY) -> None:
        self.dir = root / slugify(embedder_name)
        self.dimension = dimension
        self.flush_every = flush_every
        self.written = 0  # vectors written to disk by this instance
        self._load()

    def _migrate(self) -> None:
        """Turn a cache of the earlier single-file layout (keys.json + vectors.npy) into a shard."""
        keys_path, vectors_path = self.dir / "keys.json", self.dir / "vectors.npy"
        if not keys_path.exists():
            return
        try:
            keys = json.loads(keys_path.read_text())
            vectors = np.load(vectors_path, allow_pickle=False)
            if vectors.ndim == 2 and vectors.shape == (len(keys), self.dimension) and keys:
                self._write_shard(_raw(keys), vectors.astype(np.float32))
        except (OSError, ValueError) as exc:
            log.warning("embedding cache: dropping an unreadable cache of the earlier layout (%s)", exc)
        keys_path.unlink(missing_ok=True)
        vectors_path.unlink(missing_ok=True)

    def _load(self) -> None:
        self._migrate()
        self._shards: list[np.ndarray] = []  # memory-mapped vectors, one array per shard
        self._shard_names: list[str] = []
        key_parts: list[np.ndarray] = []
        for keys_path in sorted(self.dir.glob("shard-*.keys")):
            loaded = self._open_shard(keys_path)
            if loaded is not None:
                key_parts.append(loaded[0])
                self._shards.append(loaded[1])
                self._shard_names.append(keys_path.stem)
        self._index_keys(key_parts)
        self._pending_keys: list[str] = []
        self._pending_rows: list[np.ndarray] = []
        self._pending_at: dict[str, int] = {}

    def _open_shard(self, keys_path: Path) -> tuple[np.ndarray, np.ndarray] | None:
        vectors_path = keys_path.with_suffix(".npy")
        try:
            keys = np.fromfile(keys_path, dtype=_KEY_DTYPE)
            vectors = np.load(vectors_path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as exc:
            log.warning("embedding cache: ignoring unreadable shard %s (%s)", keys_path.name, exc)
            return None
        if vectors.ndim != 2 or vectors.shape != (len(keys), self.dimension) or vectors.dtype != np.float32:
            log.warning("embedding cache: ignoring inconsistent shard %s", keys_path.name)
            return None
        return keys, vectors

    def _index_keys(self, key_parts: list[np.ndarray]) -> None:
        """Sorted keys with the (shard, row) of each, for vectorised lookups."""
        keys = np.concatenate(key_parts) if key_parts else np.zeros(0, _KEY_DTYPE)
        shard = np.concatenate([np.full(len(k), i, np.int32) for i, k in enumerate(key_parts)]) if key_parts else None
        row = np.concatenate([np.arange(len(k), dtype=np.int64) for k in key_parts]) if key_parts else None
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        self._shard_of = shard[order] if shard is not None else np.zeros(0, np.int32)
        self._row_of = row[order] if row is not None else np.zeros(0, np.int64)

    def __len__(self) -> int:
        return len(self._keys) + len(self._pending_keys)

    def lookup(self, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, vectors of the found keys in order) for `keys`."""
        raw = _raw(keys)
        found = np.zeros(len(keys), dtype=bool)
        vectors = np.zeros((len(keys), self.dimension), dtype=np.float32)
        if len(self._keys) and len(raw):
            at = np.searchsorted(self._keys, raw)
            at_clipped = np.minimum(at, len(self._keys) - 1)
            hit = self._keys[at_clipped] == raw
            for shard in np.unique(self._shard_of[at_clipped[hit]]):
                mine = np.flatnonzero(hit & (self._shard_of[at_clipped] == shard))
                vectors[mine] = self._shards[int(shard)][self._row_of[at_clipped[mine]]]
            found |= hit
        for i, key in enumerate(keys):
            if not found[i] and key in self._pending_at:
                vectors[i] = self._pending_rows[self._pending_at[key]]
                found[i] = True
        return found, vectors[found]

    def get(self, key: str) -> np.ndarray | None:
        found, vectors = self.lookup([key])
        return vectors[0] if found[0] else None

    def put(self, key: str, vector: np.ndarray) -> None:
        """Add one vector; flushed to disk with the next `flush_every` ones (or by `flush`)."""
        if key in self._pending_at:
            return
        self._pending_at[key] = len(self._pending_rows)
        self._pending_keys.append(key)
        self._pending_rows.append(np.asarray(vector, dtype=np.float32))
        if len(self._pending_keys) >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        """Write the vectors added since the last flush as a new shard (nothing when there are none)."""
        if not self._pending_keys:
            return
        name = self._write_shard(_raw(self._pending_keys), np.stack(self._pending_rows))
        keys_path = self.dir / f"{name}.keys"
        opened = self._open_shard(keys_path)
        if opened is None:  # pragma: no cover - we just wrote it
            raise OSError(f"embedding cache shard {keys_path} unreadable right after writing it")
        parts = [self._keys_of(i) for i in range(len(self._shards))]
        self._shards.append(opened[1])
        self._shard_names.append(name)
        self._index_keys([*parts, opened[0]])
        self.written += len(self._pending_keys)
        self._pending_keys, self._pending_rows, self._pending_at = [], [], {}

    def _keys_of(self, shard: int) -> np.ndarray:
        """Keys of one shard in row order (from the sorted index)."""
        mine = np.flatnonzero(self._shard_of == shard)
        out = np.empty(len(mine), dtype=_KEY_DTYPE)
        out[self._row_of[mine]] = self._keys[mine]
        return out

    def _write_shard(self, keys: np.ndarray, vectors: np.ndarray) -> str:
        self.dir.mkdir(parents=True, exist_ok=True)
        # Unique names: concurrent or successive builds never write the same files.
        name = f"shard-{os.getpid():07d}{secrets.token_hex(6)}"
        tmp_vectors = self.dir / f".{name}.tmp.npy"
        tmp_keys = self.dir / f".{name}.tmp.keys"
        try:
            np.save(tmp_vectors, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
            with tmp_keys.open("wb") as fh:
                fh.write(np.ascontiguousarray(keys, dtype=_KEY_DTYPE).tobytes())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp_vectors, self.dir / f"{name}.npy")
            os.replace(tmp_keys, self.dir / f"{name}.keys")
        finally:
            tmp_vectors.unlink(missing_ok=True)
            tmp_keys.unlink(missing_ok=True)
        return name

    def compact(self, keep: set[str] | np.ndarray, min_unused: float = 0.5) -> bool:
        """Rewrite the cache as one shard of the `keep` keys (hex strings, or `raw_keys`) when the
        others are over `min_unused` of it (or it has more than 64 shards); returns whether it rewrote."""
        self.flush()
        total = len(self._keys)
        if not total:
            return False
        if isinstance(keep, np.ndarray):
            wanted = np.unique(keep)
        else:
            wanted = _raw(sorted(keep)) if keep else np.zeros(0, _KEY_DTYPE)
        kept = np.isin(self._keys, wanted)
        if (1 - kept.mean()) <= min_unused and len(self._shards) <= 64:
            return False
        vectors = np.zeros((int(kept.sum()), self.dimension), dtype=np.float32)
        keys = self._keys[kept]
        shards, rows = self._shard_of[kept], self._row_of[kept]
        for shard in np.unique(shards):
            mine = np.flatnonzero(shards == shard)
            vectors[mine] = self._shards[int(shard)][rows[mine]]
        name = self._write_shard(keys, vectors)
        self._shards = []  # release the memory maps before removing their files
        # Every other shard goes: those just rewritten, and those ignored on load (vectors without
        # their keys, keys that do not match their vectors), which nothing can read.
        for stale in self.dir.glob("shard-*"):
            if stale.stem != name:
                stale.unlink(missing_ok=True)
        self._load()
        self.written += len(keys)
        return True

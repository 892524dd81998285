"""The embedding cache (indexer/embedding_cache.py): keys, lookups across flushed shards and pending
vectors, what is written and when, shards that do not hold together, the earlier layout, compaction."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from indexer.embedding_cache import EmbeddingCache, raw_keys, text_key


def _vector(value: float, dimension: int = 4) -> np.ndarray:
    return np.full(dimension, value, dtype=np.float32)


def _keys(n: int, kind: str = "passage") -> list[str]:
    return [text_key(kind, f"texte {i}") for i in range(n)]


def test_a_key_depends_on_the_text_and_its_kind() -> None:
    assert text_key("passage", "crèche") == text_key("passage", "crèche")
    assert len(text_key("passage", "crèche")) == 32
    assert text_key("passage", "crèche") != text_key("query", "crèche")
    assert text_key("passage", "crèche") != text_key("passage", "creche")
    assert raw_keys([text_key("passage", "a")]).tobytes() == bytes.fromhex(text_key("passage", "a"))
    assert len(raw_keys([])) == 0


def test_vectors_are_found_before_and_after_a_flush_and_in_a_new_instance(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, "hashing", 4, flush_every=3)
    keys = _keys(4)
    for i, key in enumerate(keys):
        cache.put(key, _vector(i))
    assert len(list(cache.dir.glob("shard-*.keys"))) == 1 and cache.written == 3  # flushed at 3
    found, vectors = cache.lookup([keys[3], keys[0], "f" * 32])  # one pending, one flushed, one unknown
    assert found.tolist() == [True, True, False] and vectors[:, 0].tolist() == [3.0, 0.0]
    cache.put(keys[3], _vector(99))  # already there: kept as it was
    assert cache.get(keys[3])[0] == 3.0 and len(cache) == 4
    cache.flush()
    again = EmbeddingCache(tmp_path, "hashing", 4)
    assert len(again) == 4 and [again.get(k)[0] for k in keys] == [0.0, 1.0, 2.0, 3.0]
    assert EmbeddingCache(tmp_path, "other", 4).get(keys[0]) is None  # one directory per embedder


def test_nothing_is_written_when_nothing_was_added(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, "hashing", 4)
    cache.flush()
    assert not cache.dir.exists() and cache.written == 0


def test_a_shard_that_does_not_hold_together_is_ignored_and_removed_by_compaction(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, "hashing", 4, flush_every=2)
    keys = _keys(4)
    for i, key in enumerate(keys):
        cache.put(key, _vector(i))
    shards = sorted(cache.dir.glob("shard-*.keys"))
    assert len(shards) == 2
    # Shard names are random: break the one holding the first two keys.
    first = next(p for p in shards if raw_keys(keys[:1]).tobytes() in p.read_bytes())
    first.write_bytes(first.read_bytes()[:16])  # one key for two vectors
    (cache.dir / "shard-orphan.npy").write_bytes(b"not a shard")  # vectors whose keys never came
    again = EmbeddingCache(tmp_path, "hashing", 4)
    assert len(again) == 2
    assert again.compact(keep=set(keys), min_unused=0.0) is False  # nothing unused among the loaded
    assert again.compact(keep={keys[2]}, min_unused=0.0)
    assert sorted(p.suffix for p in again.dir.iterdir()) == [".keys", ".npy"]  # the orphan went too
    assert len(again) == 1 and again.get(keys[2])[0] == 2.0 and again.get(keys[3]) is None


def test_compaction_waits_for_a_majority_of_unused_vectors(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, "hashing", 4)
    keys = _keys(10)
    for i, key in enumerate(keys):
        cache.put(key, _vector(i))
    assert cache.compact(keep=set(keys[:6])) is False  # 4 of 10 unused: left as it is
    assert len(cache) == 10
    assert cache.compact(keep=raw_keys(keys[:4]))  # 6 of 10 unused: rewritten, raw keys accepted
    assert len(cache) == 4 and cache.get(keys[5]) is None and cache.get(keys[3])[0] == 3.0


def test_a_cache_of_the_earlier_layout_becomes_a_shard(tmp_path: Path) -> None:
    folder = tmp_path / "hashing"
    folder.mkdir()
    keys = _keys(2)
    (folder / "keys.json").write_text(json.dumps(keys))
    np.save(folder / "vectors.npy", np.stack([_vector(7), _vector(8)]))
    cache = EmbeddingCache(tmp_path, "hashing", 4)
    assert [cache.get(k)[0] for k in keys] == [7.0, 8.0]
    assert not (folder / "keys.json").exists() and not (folder / "vectors.npy").exists()
    assert len(list(folder.glob("shard-*.keys"))) == 1

"""Build faults found by the red-team run: concurrent builds, build ids, disk errors, the embedding
cache (incremental, untouched when nothing changes) and bundles whose checksums are right but whose
contents are wrong."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from indexer.build import build_index, build_lock, embed_with_cache
from indexer.embedding_cache import EmbeddingCache, text_key
from rapporteur.bundle.store import MANIFEST, file_sha256, load_bundle, resolve_bundle
from rapporteur.embedders.hashing import HashingEmbedder
from rapporteur.errors import BuildLockedError, BuildWriteError, BundleError

ROOT = Path(__file__).resolve().parents[2]


def test_a_second_build_is_refused_while_one_runs(tiny_corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    with build_lock(index), pytest.raises(BuildLockedError, match="already running"):
        build_index(tiny_corpus, index, HashingEmbedder())
    assert build_index(tiny_corpus, index, HashingEmbedder()).documents == 2  # free again


def test_the_cli_says_a_build_is_running_and_exits_3(tiny_corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    with build_lock(index):
        done = subprocess.run(
            [sys.executable, "-m", "indexer", "build", str(tiny_corpus), "--out", str(index), "--embedder", "hashing"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 3
    assert done.stderr.strip().count("\n") == 0 and "already running" in done.stderr


def test_build_ids_are_unique_within_one_second(tiny_corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    ids = {build_index(tiny_corpus, index, HashingEmbedder(), force=True).build_id for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_index_gives_one_clear_error_and_no_partial_files(tiny_corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(tiny_corpus, index, HashingEmbedder())
    before = sorted(p.name for p in (index / "bundles").iterdir())
    (index / "bundles").chmod(0o555)
    try:
        with pytest.raises(BuildWriteError, match="cannot write the index"):
            build_index(tiny_corpus, index, HashingEmbedder(), force=True)
    finally:
        (index / "bundles").chmod(0o755)
    assert sorted(p.name for p in (index / "bundles").iterdir()) == before
    load_bundle(index)


def test_a_full_disk_gives_one_clear_error_and_no_partial_files(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "index"
    first = build_index(tiny_corpus, index, HashingEmbedder())

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device", "sentence_vectors.npy")

    monkeypatch.setattr("rapporteur.bundle.store.np.save", disk_full)
    with pytest.raises(BuildWriteError, match="No space left on device"):
        build_index(tiny_corpus, index, HashingEmbedder(), force=True)
    assert not list((index / "bundles").glob(".tmp-*"))
    assert not list(index.glob(".CURRENT*"))
    assert load_bundle(index).build_id == first.build_id


def test_the_cli_reports_a_disk_error_in_one_line(tiny_corpus: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "index"
    blocker.write_text("a file where the index directory should be")
    done = subprocess.run(
        [sys.executable, "-m", "indexer", "build", str(tiny_corpus), "--out", str(blocker), "--embedder", "hashing"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and done.stderr.strip().count("\n") == 0
    assert "Traceback" not in done.stderr


class FailingEmbedder(HashingEmbedder):
    """Embeds `budget` texts, then fails as a killed build would stop."""

    def __init__(self, budget: int) -> None:
        super().__init__()
        self.budget = budget

    def embed(self, texts, kind):  # type: ignore[override]
        if self.embedded + len(texts) > self.budget:
            raise KeyboardInterrupt
        return super().embed(texts, kind)


def test_a_killed_cold_build_keeps_what_it_embedded(tmp_path: Path) -> None:
    texts = [f"passage numéro {i} du rapport" for i in range(20)]
    cache = EmbeddingCache(tmp_path, "hashing", 256, flush_every=4)
    with pytest.raises(KeyboardInterrupt):  # killed during its sixth batch of 2 texts
        embed_with_cache(FailingEmbedder(budget=10), cache, texts, "passage", batch_size=2)
    reopened = EmbeddingCache(tmp_path, "hashing", 256)
    assert len(reopened) == 8  # flushed every 4 vectors: only the 2 not yet flushed are lost
    vectors, embedded = embed_with_cache(HashingEmbedder(), reopened, texts, "passage", batch_size=2)
    assert embedded == 12
    assert np.allclose(vectors, HashingEmbedder().embed(texts, "passage"))


def test_a_build_that_embeds_nothing_writes_no_cache(tiny_corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(tiny_corpus, index, HashingEmbedder())
    files = {p: p.stat().st_mtime_ns for p in (index / "cache").rglob("*") if p.is_file()}
    forced = build_index(tiny_corpus, index, HashingEmbedder(), force=True)
    assert forced.embedded == 0
    assert {p: p.stat().st_mtime_ns for p in (index / "cache").rglob("*") if p.is_file()} == files


def test_cache_lookup_and_compaction(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, "hashing", 4, flush_every=2)
    keys = [text_key("passage", f"texte {i}") for i in range(5)]
    for i, key in enumerate(keys):
        cache.put(key, np.full(4, i, dtype=np.float32))
    cache.flush()
    again = EmbeddingCache(tmp_path, "hashing", 4)
    found, vectors = again.lookup([keys[3], "0" * 32, keys[0]])
    assert found.tolist() == [True, False, True] and vectors[:, 0].tolist() == [3.0, 0.0]
    assert len(list(again.dir.glob("shard-*.keys"))) == 3
    assert again.compact(keep={keys[1]})  # 4 of 5 unused: rewritten as one shard
    assert len(list(again.dir.glob("shard-*"))) == 2 and len(again) == 1
    assert again.get(keys[1]).tolist() == [1.0] * 4 and again.get(keys[0]) is None


# -- bundles with right checksums and wrong contents ---------------------------------------------------


def _tamper(index: Path, name: str, change) -> None:
    """Change one file of the bundle in service and refresh its checksum in the manifest."""
    bundle = resolve_bundle(index)
    change(bundle / name)
    manifest = json.loads((bundle / MANIFEST).read_text())
    manifest["files"][name] = {"bytes": (bundle / name).stat().st_size, "sha256": file_sha256(bundle / name)}
    (bundle / MANIFEST).write_text(json.dumps(manifest))


@pytest.fixture
def built(tiny_corpus: Path, tmp_path: Path) -> Path:
    index = tmp_path / "index"
    build_index(tiny_corpus, index, HashingEmbedder())
    return index


def _rewrite_npy(path: Path, edit) -> None:
    array = np.load(path)
    edit(array)
    np.save(path, array)


@pytest.mark.parametrize(
    ("name", "edit", "message"),
    [
        ("sentences.npy", lambda a: a.__setitem__((0, 0), 7), "documents the bundle does not hold"),
        ("sentences.npy", lambda a: a.__setitem__((0, 2), 10**7), "outside their document"),
        ("sentence_vectors.npy", lambda a: a.__imul__(3.0), "unit norm"),
    ],
)
def test_inconsistent_arrays_are_refused(built: Path, name: str, edit, message: str) -> None:
    _tamper(built, name, lambda p: _rewrite_npy(p, edit))
    with pytest.raises(BundleError, match=message):
        load_bundle(built)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda a: a.__setitem__((0, 2), 10**7), "offsets lie outside"),
        (lambda a: a.__setitem__((0, 0), 9), "documents the bundle does not hold"),
        (lambda a: a.__setitem__((0, 4), 10**9), "byte spans lie outside"),
        (lambda a: a.__setitem__((0, 6), 10**6), "unknown sections"),
    ],
)
def test_chunk_rows_outside_the_bundle_are_refused(built: Path, edit, message: str) -> None:
    _tamper(built, "chunks.npy", lambda p: _rewrite_npy(p, edit))
    with pytest.raises(BundleError, match=message):
        load_bundle(built)


def test_a_truncated_file_is_refused_even_without_checksums(built: Path) -> None:
    texts = resolve_bundle(built) / "texts.bin"
    texts.write_bytes(texts.read_bytes()[:-10])
    with pytest.raises(BundleError, match=r"size mismatch for texts\.bin"):
        load_bundle(built, verify=False)


def test_a_bundle_of_another_analyzer_is_refused(built: Path) -> None:
    bundle = resolve_bundle(built)
    manifest = json.loads((bundle / MANIFEST).read_text())
    manifest["analyzer"]["version"] = "fr-0"
    (bundle / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="rebuild the index") as refused:
        load_bundle(built)
    assert str(bundle) not in refused.value.public  # what a remote client may read holds no path


def test_bundle_check_is_cheap(built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    assert load_bundle(copy, verify=False).build_id == load_bundle(built).build_id

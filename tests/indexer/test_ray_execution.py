"""The build on a local Ray (2 CPUs) gives the bundle the local build gives."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from evals.dataset import load_questions
from indexer.build import build_index
from rapporteur.bundle.store import resolve_bundle
from rapporteur.embedders import create_embedder
from rapporteur.embedders.hashing import HashingEmbedder
from rapporteur.errors import BuildError
from service.search.engine import SearchEngine

pytest.importorskip("ray", reason="the [ray] extra is not installed: pip install 'rapporteur[ray]'")

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ("passage_vectors.npy", "sentence_vectors.npy")
# What differs between two builds of one corpus: their identity, and where the vectors came from.
PER_BUILD = ("build_id", "built_at", "files")
RAY_FLAGS = ("--embedder", "hashing", "--ray", "-q")


def _files(bundle: Path) -> dict[str, bytes]:
    return {str(p.relative_to(bundle)): p.read_bytes() for p in sorted(bundle.rglob("*")) if p.is_file()}


def _assert_same_bundle(local: Path, ray: Path, vectors_atol: float = 0.0) -> None:
    """Same files byte for byte (vectors within `vectors_atol`), same manifest but for the build's identity."""
    a, b = _files(resolve_bundle(local)), _files(resolve_bundle(ray))
    assert a.keys() == b.keys()
    for name in a:
        if name == "manifest.json":
            ma, mb = json.loads(a[name]), json.loads(b[name])
            for key in PER_BUILD:
                ma.pop(key), mb.pop(key)
            for counts in (ma["counts"], mb["counts"]):
                counts.pop("embedded"), counts.pop("reused")
            assert ma == mb
        elif name in VECTORS and vectors_atol:
            va = np.load(resolve_bundle(local) / name)
            vb = np.load(resolve_bundle(ray) / name)
            assert va.shape == vb.shape
            assert np.abs(va - vb).max() <= vectors_atol, name
        else:
            assert a[name] == b[name], f"{name} differs"


def test_cli_ray_build_of_the_seed_corpus_equals_the_local_build(tmp_path: Path) -> None:
    """`python -m indexer build --ray` starts a local Ray; chunks, offsets, sections, pages, vectors,
    lexical index and derived data are the local build's, and so are the dev questions' results."""
    local = tmp_path / "local"
    build_index(ROOT / "corpus", local, HashingEmbedder())
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    done = subprocess.run(
        [sys.executable, "-m", "indexer", "build", str(ROOT / "corpus"), "--out", str(tmp_path / "ray"), *RAY_FLAGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    _assert_same_bundle(local, tmp_path / "ray")
    engines = [SearchEngine.from_path(path, HashingEmbedder()) for path in (local, tmp_path / "ray")]
    for question in load_questions(split="dev"):
        ranked = [[h.chunk_index for h in engine.search(question.question, k=10).hits] for engine in engines]
        assert ranked[0] == ranked[1], question.id
    # Same fingerprint: the local build finds the Ray-built bundle up to date.
    assert build_index(ROOT / "corpus", tmp_path / "ray", HashingEmbedder()).up_to_date


def test_ray_build_with_the_real_model_and_its_cache(local_ray, tiny_corpus: Path, tmp_path: Path) -> None:
    """The default model on the actors: vectors within 1e-5 of the local build's; a build after a
    small change embeds only the new texts, from the same embedding cache as the local build."""
    from indexer.ray_execution import RayExecution

    embedder = create_embedder("e5-small-q4")
    build_index(tiny_corpus, tmp_path / "local", embedder)
    execution = RayExecution("e5-small-q4")
    first = build_index(tiny_corpus, tmp_path / "ray", embedder, execution=execution)
    assert first.embedded == first.chunks + first.sentences - first.reused and first.embedded > 0
    _assert_same_bundle(tmp_path / "local", tmp_path / "ray", vectors_atol=1e-5)

    (tiny_corpus / "piscine.txt").write_text(
        "PISCINE\n\nLa piscine municipale de Testville rouvre en juin 2024 après dix mois de travaux.",
        encoding="utf-8",
    )
    grown = build_index(tiny_corpus, tmp_path / "ray", embedder, execution=execution)
    assert 0 < grown.embedded <= 3  # its passage and its sentences
    assert grown.reused == grown.chunks + grown.sentences - grown.embedded


def test_a_bad_file_is_skipped_with_a_warning_naming_it(local_ray, tiny_corpus: Path, tmp_path: Path, caplog) -> None:
    from indexer.ray_execution import RayExecution

    (tiny_corpus / "casse.pdf").write_bytes(b"%PDF-1.7 not really a pdf")
    report = build_index(tiny_corpus, tmp_path / "index", HashingEmbedder(), execution=RayExecution("hashing"))
    assert report.documents == 2
    assert [Path(path).name for path, _ in report.skipped] == ["casse.pdf"]
    assert any("casse.pdf" in record.getMessage() for record in caplog.records)


def test_a_failure_on_the_workers_keeps_the_bundle_in_service(local_ray, tiny_corpus: Path, tmp_path: Path) -> None:
    """Workers that cannot create the embedder: a BuildError that says why; CURRENT still names the
    previous bundle, and nothing half-written is left."""
    from indexer.ray_execution import RayExecution

    index = tmp_path / "index"
    before = build_index(tiny_corpus, index, HashingEmbedder()).build_id
    (tiny_corpus / "piscine.txt").write_text("PISCINE\n\nLa piscine rouvre en juin 2024 après travaux.", "utf-8")
    broken = RayExecution("sentence-transformers:/no/such/model")
    with pytest.raises(BuildError, match=r"cannot create the embedder.*no/such/model.*not a local path"):
        build_index(tiny_corpus, index, HashingEmbedder(), execution=broken)
    assert resolve_bundle(index).name == before
    assert [p.name for p in (index / "bundles").iterdir()] == [before]

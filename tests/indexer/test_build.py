import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.build import build_index
from rapporteur.bundle.store import CURRENT, load_bundle, resolve_bundle
from rapporteur.embedders.hashing import HashingEmbedder
from rapporteur.errors import BundleError, NothingToIndexError


def test_bundle_round_trip(tiny_corpus: Path, tmp_path: Path):
    report = build_index(tiny_corpus, tmp_path / "index", HashingEmbedder())
    bundle = load_bundle(tmp_path / "index")
    assert bundle.build_id == report.build_id
    assert {d.meta.id for d in bundle.documents} == {"ville-test-2023", "departement-test-2022"}
    assert len(bundle.chunks) == report.chunks == bundle.dense.size
    for chunk in bundle.chunks:
        assert chunk.text == bundle.document(chunk.doc_id).text[chunk.start : chunk.end]
    manifest = bundle.manifest
    assert manifest["embedder"] == {"name": "hashing", "dimension": 256}
    assert manifest["dense"]["kind"] == "exact"
    assert set(manifest["files"]) >= {
        "texts.bin",
        "documents.jsonl",
        "chunks.npy",
        "sentences.npy",
        "chunk_sentences.npy",
        "glossary.npy",
        "document_codes.npy",
        "chunk_codes.npy",
        "passage_vectors.npy",
        "sentence_vectors.npy",
        "lexical/postings_scores.npy",
        "places.json",
        "suggestions.jsonl",
    }
    assert not any(name.endswith((".pkl", ".pickle")) for name in manifest["files"])
    assert bundle.acronyms["SDIS"].lower().startswith("service départemental")


def test_unchanged_corpus_embeds_nothing_and_new_document_embeds_only_its_text(tiny_corpus: Path, tmp_path: Path):
    embedder = HashingEmbedder()
    first = build_index(tiny_corpus, tmp_path / "index", embedder)
    assert first.embedded > 0 and first.reused == 0
    again = build_index(tiny_corpus, tmp_path / "index", embedder)
    assert again.up_to_date and again.embedded == 0
    forced = build_index(tiny_corpus, tmp_path / "index", embedder, force=True)
    assert forced.embedded == 0 and forced.reused == first.embedded
    (tiny_corpus / "nouveau.txt").write_text(
        "NOUVEAU DOCUMENT\n\nLa piscine municipale rouvre en juin 2024 après travaux.", encoding="utf-8"
    )
    grown = build_index(tiny_corpus, tmp_path / "index", embedder)
    assert 0 < grown.embedded <= 4
    assert grown.reused == first.embedded


class RetrainedHashing(HashingEmbedder):
    """The same name with other weights, as after `make model`: vectors that must not be mixed."""

    def __init__(self, weights: str) -> None:
        super().__init__()
        self.weights = weights


def test_other_weights_under_the_same_name_rebuild_and_reembed_everything(tiny_corpus: Path, tmp_path: Path):
    first = build_index(tiny_corpus, tmp_path / "index", RetrainedHashing("a" * 64))
    assert load_bundle(tmp_path / "index").manifest["embedder"] == {
        "name": "hashing",
        "dimension": 256,
        "weights": "a" * 64,
    }
    retrained = build_index(tiny_corpus, tmp_path / "index", RetrainedHashing("b" * 64))
    assert not retrained.up_to_date and retrained.reused == 0 and retrained.embedded == first.embedded
    assert load_bundle(tmp_path / "index").manifest["embedder"]["weights"] == "b" * 64


def test_bad_files_are_skipped_with_a_warning(tiny_corpus: Path, tmp_path: Path, caplog):
    (tiny_corpus / "vide.txt").write_bytes(b"")
    (tiny_corpus / "binaire.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tiny_corpus / "casse.pdf").write_bytes(b"%PDF-1.4 broken")
    report = build_index(tiny_corpus, tmp_path / "index", HashingEmbedder())
    assert report.documents == 2
    skipped = " ".join(path for path, _ in report.skipped)
    assert "vide.txt" in skipped and "binaire.txt" in skipped and "casse.pdf" in skipped
    assert "binaire.txt" in caplog.text


def test_nothing_indexable_fails(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "vide.txt").write_text("")
    with pytest.raises(NothingToIndexError):
        build_index(corpus, tmp_path / "index", HashingEmbedder())


def test_unlisted_file_gets_inferred_metadata(tiny_corpus: Path, tmp_path: Path):
    (tiny_corpus / "compte-rendu.md").write_text(
        "# Compte rendu du conseil municipal\n\nLa Ville de Testville a voté en 2021 le budget des écoles.",
        encoding="utf-8",
    )
    build_index(tiny_corpus, tmp_path / "index", HashingEmbedder())
    meta = load_bundle(tmp_path / "index").document("compte-rendu").meta
    assert meta.title == "Compte rendu du conseil municipal"
    assert meta.year == 2021
    assert meta.organisation == "Ville de Testville"
    assert "title" in meta.inferred


def test_corrupted_bundle_is_refused(tiny_corpus: Path, tmp_path: Path):
    build_index(tiny_corpus, tmp_path / "index", HashingEmbedder())
    bundle_dir = resolve_bundle(tmp_path / "index")
    documents = bundle_dir / "documents.jsonl"
    documents.write_text(documents.read_text(encoding="utf-8").replace("Test", "Tesr", 1), encoding="utf-8")
    with pytest.raises(BundleError, match="checksum"):  # same size, another content
        load_bundle(tmp_path / "index")
    (bundle_dir / "passage_vectors.npy").unlink()
    with pytest.raises(BundleError, match="missing"):
        load_bundle(tmp_path / "index")


def test_missing_bundle_is_a_clear_error(tmp_path: Path):
    with pytest.raises(BundleError, match="no index bundle"):
        load_bundle(tmp_path)


SLOW_BUILD = """
import sys, time
from pathlib import Path
from indexer.build import build_index
from rapporteur.embedders.hashing import HashingEmbedder

class Slow(HashingEmbedder):
    def embed(self, texts, kind):
        print("embedding", flush=True)
        time.sleep(0.2)
        return super().embed(texts, kind)

build_index(Path(sys.argv[1]), Path(sys.argv[2]), Slow(), force=True)
"""


def test_killed_build_leaves_previous_bundle_loadable(tiny_corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    first = build_index(tiny_corpus, index, HashingEmbedder())
    (tiny_corpus / "ajout.txt").write_text("AJOUT\n\n" + "Le Département soutient les communes. " * 200)
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_BUILD, str(tiny_corpus), str(index)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout.readline().strip() == "embedding"
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert (index / CURRENT).read_text().strip() == first.build_id
    bundle = load_bundle(index)
    assert bundle.build_id == first.build_id
    # The next build cleans up and succeeds.
    report = build_index(tiny_corpus, index, HashingEmbedder())
    assert load_bundle(index).build_id == report.build_id
    assert json.loads((resolve_bundle(index) / "manifest.json").read_text())["counts"]["documents"] == 3


def test_cli_exit_codes(tiny_corpus: Path, tmp_path: Path):
    from indexer.cli import main

    assert main(["build", str(tiny_corpus), "--out", str(tmp_path / "i"), "--embedder", "hashing", "-q"]) == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["build", str(empty), "--out", str(tmp_path / "j"), "--embedder", "hashing", "-q"]) == 1
    assert main(["build", str(tiny_corpus), "--embedder", "nope", "-q"]) == 1
    assert main(["build", str(tiny_corpus), "--chunk-size", "50", "-q"]) == 2


def test_a_change_to_the_indexing_code_triggers_a_rebuild(tiny_corpus: Path, tmp_path: Path, monkeypatch):
    import indexer.build as build_module

    build_index(tiny_corpus, tmp_path / "index", HashingEmbedder())
    assert build_index(tiny_corpus, tmp_path / "index", HashingEmbedder()).up_to_date
    monkeypatch.setattr(build_module, "pipeline_hash", lambda *_: "changed chunking code")
    again = build_index(tiny_corpus, tmp_path / "index", HashingEmbedder())
    assert not again.up_to_date and again.embedded == 0

"""The bundle on disk: texts read by byte span agree with character offsets, derived data, citations."""

from __future__ import annotations

import json
import mmap
from pathlib import Path

import numpy as np
import pytest
from tiny_corpus import write_corpus

from indexer.build import build_index
from rapporteur.bundle import store
from rapporteur.bundle.model import page_range
from rapporteur.bundle.store import load_bundle
from rapporteur.embedders.hashing import HashingEmbedder
from rapporteur.errors import BundleError


def test_passages_and_sentences_read_by_bytes_are_the_document_slices(tiny_index: Path) -> None:
    bundle = load_bundle(tiny_index)
    for i, chunk in enumerate(bundle.chunks):
        text = bundle.document(chunk.doc_id).text
        assert chunk.text == bundle.chunk_text(i) == text[chunk.start : chunk.end]
    for i, (doc, start, end, _, _) in enumerate(bundle.sentences):
        assert bundle.sentence_text(i) == bundle.documents[doc].text[start:end]


def test_the_places_the_documents_name_are_stored_once_each(tmp_path: Path) -> None:
    corpus = write_corpus(
        tmp_path / "corpus",
        {
            "aubagne.md": "# Rapport 2023\n\nLa ville d'Aubagne a rénové ses écoles. Aubagne accueille 120 enfants.\n",
            "oyonnax.md": "# Rapport 2022\n\nLe centre social d'Oyonnax et celui de Marseille ont ouvert en 2022.\n",
        },
    )
    build_index(corpus, tmp_path / "index", HashingEmbedder())
    places = load_bundle(tmp_path / "index").places
    assert [(p["name"], p["departements"]) for p in places] == [
        ("Aubagne", ["13"]),
        ("Marseille", ["13"]),
        ("Oyonnax", ["01"]),
    ]


def test_derived_arrays_hold_together(tiny_index: Path) -> None:
    bundle = load_bundle(tiny_index)
    assert len(bundle.glossary) == len(bundle.chunks) and not bundle.glossary.any()
    for i in range(len(bundle.chunks)):
        for s in bundle.sentences_of(i):
            assert bundle.sentences[s, 0] == bundle.chunk_doc[i]
    codes = bundle.document_codes
    names = bundle.manifest["filters"]
    assert sorted(names["organisations"]) == ["Département du Test", "Ville de Testville"]
    assert set(codes[:, 1].tolist()) == {2022, 2023}
    # The tiny corpus names no place of the gazetteer: « la Durance » is a river there, and the
    # commune of Durance (47, 293 inhabitants) is too small to be read without « à » or « de ».
    assert bundle.places == []
    assert any(kind == "title" for _, kind, _ in bundle.suggestions)
    assert np.array_equal(bundle.chunk_sentence_offsets[[0, -1]], [0, len(bundle.chunk_sentences)])
    assert np.array_equal(bundle.chunk_codes, codes[bundle.chunk_doc].T)
    chunks = np.array([2, 0])
    flat, owners = bundle.sentences_of_chunks(chunks)
    assert flat.tolist() == [*bundle.sentences_of(2), *bundle.sentences_of(0)]
    assert owners.tolist() == [0] * len(bundle.sentences_of(2)) + [1] * len(bundle.sentences_of(0))


def test_large_arrays_are_memory_mapped(tiny_index: Path) -> None:
    bundle = load_bundle(tiny_index)
    for array in (bundle.sentence_vectors, bundle.dense.vectors, bundle.chunks.table, bundle.sentences):
        assert not array.flags.owndata and isinstance(array.base, mmap.mmap)  # a view of the file's mapping
        assert not array.flags.writeable


def _copy(tiny_index: Path, tmp_path: Path) -> Path:
    import shutil

    copy = tmp_path / "bundle"
    shutil.copytree(store.resolve_bundle(tiny_index), copy)
    return copy


def test_sampled_verification_hashes_large_files_in_blocks(tiny_index: Path, tmp_path: Path, monkeypatch) -> None:
    copy = _copy(tiny_index, tmp_path)
    monkeypatch.setattr(store, "SMALL_FILE", 0)  # every file counts as large
    monkeypatch.setattr(store, "SAMPLE_BLOCK", 16)
    manifest_path = copy / store.MANIFEST  # fingerprints taken with these small blocks
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["files"] = store.fingerprint_files(copy)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    texts = copy / "texts.bin"
    data = bytearray(texts.read_bytes())
    assert len(data) > 16 * store.SAMPLE_BLOCKS * 2  # room between the sampled blocks
    unsampled = 20  # inside the gap after the first block
    data[unsampled] ^= 0x01
    texts.write_bytes(bytes(data))
    load_bundle(copy, verify="sampled")  # a flip outside the sampled blocks goes unseen...
    with pytest.raises(BundleError, match=r"checksum mismatch for texts\.bin"):
        load_bundle(copy, verify="full")  # ...but not by a full verification
    data[0] ^= 0x01  # the first block is always sampled
    texts.write_bytes(bytes(data))
    with pytest.raises(BundleError, match=r"checksum mismatch for texts\.bin"):
        load_bundle(copy, verify="sampled")


def test_a_truncated_file_is_refused_by_its_size_alone(tiny_index: Path, tmp_path: Path) -> None:
    copy = _copy(tiny_index, tmp_path)
    vectors = copy / "sentence_vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:-4])
    with pytest.raises(BundleError, match=r"size mismatch for sentence_vectors\.npy"):
        load_bundle(copy, verify="sizes")


def test_citation_of_a_span_takes_its_own_section(tiny_index: Path) -> None:
    bundle = load_bundle(tiny_index)
    i = next(i for i, c in enumerate(bundle.chunks) if "crèche" in c.text)
    chunk = bundle.chunks[i]
    start = bundle.document(chunk.doc_id).text.index("crèche")
    whole, span = bundle.citation(i), bundle.citation(i, start, start + 6)
    assert (whole.start, whole.end) == (chunk.start, chunk.end) and whole.section == chunk.section
    assert (span.start, span.end) == (start, start + 6) and "Petite enfance" in span.section


def test_page_starts_out_of_order_are_refused(tiny_index: Path, tmp_path: Path) -> None:
    """Citations take their page range from the page starts: a bundle whose starts run backwards or
    past the text is refused on load, as other offsets are."""
    copy = _copy(tiny_index, tmp_path)
    rows = [json.loads(line) for line in (copy / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    rows[0]["page_starts"] = [0, 40, 20]
    (copy / "documents.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    manifest = json.loads((copy / store.MANIFEST).read_text(encoding="utf-8"))
    manifest["files"] = store.fingerprint_files(copy)
    (copy / store.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(BundleError, match=r"page starts of .* are not in order"):
        load_bundle(copy)
    rows[0]["page_starts"] = [0, 20, 40]
    (copy / "documents.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    manifest["files"] = store.fingerprint_files(copy)
    (copy / store.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    bundle = load_bundle(copy)  # in order: loaded, and a chunk over them cites its range
    first = next(i for i, c in enumerate(bundle.chunks) if c.doc_id == rows[0]["id"] and c.start < 20 and c.end > 41)
    citation, chunk = bundle.citation(first), bundle.chunks[first]
    assert (citation.page, citation.page_end) == (chunk.page, chunk.page_end) == (1, 3)


def test_a_span_over_a_page_break_cites_both_pages() -> None:
    assert page_range((0, 100, 250), 90, 120) == (1, 2)
    assert page_range((0, 100, 250), 100, 250) == (2, 2)  # ends on the last character of page 2
    assert page_range((0, 100, 250), 10, 11) == (1, 1)
    assert page_range(None, 10, 11) == (None, None)

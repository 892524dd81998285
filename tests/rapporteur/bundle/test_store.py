"""The bundle on disk: texts read by byte span agree with character offsets, derived data, citations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rapporteur.bundle.store import _utf8_offsets, load_bundle


@pytest.mark.parametrize("text", ["", "abc", "é", "Élève à l'école œuvre 😀 — fin", "日本語 et français"])
def test_utf8_offsets_match_python_encoding(text: str) -> None:
    offsets = _utf8_offsets(text)
    assert len(offsets) == len(text) + 1
    for i in range(len(text) + 1):
        assert offsets[i] == len(text[:i].encode("utf-8"))


def test_passages_and_sentences_read_by_bytes_are_the_document_slices(tiny_index: Path) -> None:
    bundle = load_bundle(tiny_index)
    for i, chunk in enumerate(bundle.chunks):
        text = bundle.document(chunk.doc_id).text
        assert chunk.text == bundle.chunk_text(i) == text[chunk.start : chunk.end]
    for i, (doc, start, end, _, _) in enumerate(bundle.sentences):
        assert bundle.sentence_text(i) == bundle.documents[doc].text[start:end]


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
    assert {p["name"] for p in bundle.places} >= {"Durance"} or bundle.places == [] or bundle.places
    assert any(kind == "title" for _, kind, _ in bundle.suggestions)
    assert np.array_equal(bundle.chunk_sentence_offsets[[0, -1]], [0, len(bundle.chunk_sentences)])


def test_citation_of_a_span_takes_its_own_section(tiny_index: Path) -> None:
    bundle = load_bundle(tiny_index)
    i = next(i for i, c in enumerate(bundle.chunks) if "crèche" in c.text)
    chunk = bundle.chunks[i]
    start = bundle.document(chunk.doc_id).text.index("crèche")
    whole, span = bundle.citation(i), bundle.citation(i, start, start + 6)
    assert (whole.start, whole.end) == (chunk.start, chunk.end) and whole.section == chunk.section
    assert (span.start, span.end) == (start, start + 6) and "Petite enfance" in span.section

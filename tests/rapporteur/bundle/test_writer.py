"""Writing a bundle while streaming documents: offsets, sentence lists, leftovers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rapporteur.bundle.store import BUNDLES
from rapporteur.bundle.writer import BundleWriter, chunk_sentence_ids, utf8_offsets


@pytest.mark.parametrize("text", ["", "abc", "é", "Élève à l'école œuvre 😀 — fin", "日本語 et français"])
def test_utf8_offsets_match_python_encoding(text: str) -> None:
    offsets = utf8_offsets(text)
    assert len(offsets) == len(text) + 1
    for i in range(len(text) + 1):
        assert offsets[i] == len(text[:i].encode("utf-8"))


def test_a_chunk_holds_the_sentences_mostly_inside_it() -> None:
    sentences = np.array([[0, 10], [10, 30], [30, 40], [40, 100]])
    chunks = np.array([[0, 35], [25, 100]])
    inside = chunk_sentence_ids(chunks, sentences)
    assert inside[0].tolist() == [0, 1, 2] and inside[1].tolist() == [2, 3]


def test_an_interrupted_write_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), BundleWriter(tmp_path, "b1") as writer:
        assert writer.path.exists()
        raise RuntimeError("killed")
    assert list((tmp_path / BUNDLES).iterdir()) == []

"""Adding and removing corpus files with their manifest entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.corpus import discover
from indexer.corpus_edit import add_document, remove_document, safe_file_name
from rapporteur.errors import DocumentNotFoundError, RejectedFileError

REPORT = "# Rapport 2024\n\nLa ludothèque municipale prête des jeux aux familles le samedi matin.\n"


def test_names_are_slugified_and_paths_refused() -> None:
    assert safe_file_name("Rapport d'activité 2023.PDF", ".pdf") == "rapport-d-activite-2023.pdf"
    for bad in ("../x.md", "a/b.md", "a\\b.md", ".cache.md", "", "a\x00.md"):
        with pytest.raises(RejectedFileError) as refused:
            safe_file_name(bad, ".md")
        assert refused.value.reason == "name"


def test_add_then_remove_keeps_the_manifest_readable(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    source = tmp_path / "r.md"
    source.write_text(REPORT, encoding="utf-8")
    added = add_document(corpus, source, "Ludothèque 2024.md", {"title": 'Rapport "jeux"', "year": 2024})
    assert added.id == "ludotheque-2024" and added.listed
    [entry] = discover(corpus)
    assert entry.meta is not None and entry.meta.title == 'Rapport "jeux"' and entry.meta.year == 2024
    with pytest.raises(RejectedFileError, match="existe déjà"):
        add_document(corpus, source, "ludotheque-2024.md")
    assert remove_document(corpus, "ludotheque-2024") == "ludotheque-2024.md"
    assert discover(corpus) == []
    with pytest.raises(DocumentNotFoundError):
        remove_document(corpus, "ludotheque-2024")


def test_a_manifest_key_written_by_hand_is_removed_by_its_id(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "r.md").write_text(REPORT, encoding="utf-8")
    (corpus / "manifest.toml").write_text(
        '[documents.CD01_Rapport]\nfile = "r.md"\ntitle = "R"\n\n[documents.autre]\nfile = "x.md"\ntitle = "X"\n',
        encoding="utf-8",
    )
    assert remove_document(corpus, "cd01-rapport") == "r.md"
    text = (corpus / "manifest.toml").read_text(encoding="utf-8")
    assert "CD01_Rapport" not in text and "[documents.autre]" in text


def test_control_characters_in_metadata_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    source = tmp_path / "r.md"
    source.write_text(REPORT, encoding="utf-8")
    with pytest.raises(RejectedFileError) as refused:
        add_document(corpus, source, "r.md", {"title": "R\x7f"})
    assert refused.value.reason == "meta"
    assert not corpus.exists() or not any(corpus.iterdir())

"""Cutting one corpus file (`indexer.documents`): the warnings logged meanwhile travel with the result."""

from __future__ import annotations

import logging
import pickle
import shutil
from pathlib import Path

import document_fixtures
import pytest
from log_capture import indexer_warnings

from indexer import ocr
from indexer.build import build_index
from indexer.corpus import CorpusEntry
from indexer.documents import CutDocument, Skipped, cut_document, warnings_kept
from rapporteur.embedders.hashing import HashingEmbedder


@pytest.fixture
def no_tesseract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(ocr, "_cache_dir", None)
    monkeypatch.delenv(ocr.CACHE_ENV, raising=False)


def _is_page_warning(message: str) -> bool:
    return "mixed_annex.pdf" in message and "page(s) 2" in message and "not read by OCR" in message


def test_warnings_logged_while_cutting_come_back_with_the_document(
    no_tesseract: None, caplog: pytest.LogCaptureFixture
) -> None:
    """As a worker process or a Ray worker returns it to the build: pickled, warnings included."""
    mixed = document_fixtures.documents()["mixed"]
    with caplog.at_level(logging.WARNING):
        result = cut_document(CorpusEntry(mixed, "mixed", None))
    assert isinstance(result, CutDocument)
    assert [m for m in result.warnings if _is_page_warning(m)], result.warnings
    assert not [r for r in caplog.records if r.name.startswith("indexer")]  # kept, not logged where cut
    assert pickle.loads(pickle.dumps(result)).warnings == result.warnings


def test_a_skipped_file_keeps_its_reason_and_its_warnings(no_tesseract: None) -> None:
    scan = document_fixtures.documents()["scan"]
    result = cut_document(CorpusEntry(scan, "scan", None))
    assert isinstance(result, Skipped) and "tesseract" in result.reason and result.warnings == ()
    assert not logging.getLogger("indexer").handlers  # the capture is removed after the cut


def test_the_build_logs_each_warning_of_a_cut_once(no_tesseract: None, tmp_path: Path) -> None:
    """Once, also for a handler on the indexer's own logger (as the admin job's progress has one on the root)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(document_fixtures.documents()["mixed"], corpus)
    try:
        with indexer_warnings() as messages:
            report = build_index(corpus, tmp_path / "index", HashingEmbedder())
    finally:
        ocr.set_cache_dir(None)
    assert report.documents == 1 and report.skipped == []
    assert len([m for m in messages if _is_page_warning(m)]) == 1


def test_warnings_kept_are_logged_when_the_cut_fails(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), pytest.raises(RuntimeError), warnings_kept():
        logging.getLogger("indexer.loaders").warning("page 3 of a.pdf not read")
        raise RuntimeError("a bug")
    assert [(r.name, r.getMessage()) for r in caplog.records] == [("indexer.loaders", "page 3 of a.pdf not read")]
    assert logging.getLogger("indexer").propagate and not logging.getLogger("indexer").handlers

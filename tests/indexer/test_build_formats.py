"""End to end: a corpus of every format (two-column PDF, scan, .docx, .odt, web page) built into a
bundle in which each file's own sentences are found first, on the right page."""

from __future__ import annotations

import shutil
from pathlib import Path

import document_fixtures
import pytest
from log_capture import indexer_warnings

from indexer import ocr
from indexer.build import build_index
from rapporteur.bundle.store import load_bundle
from rapporteur.embedders.hashing import HashingEmbedder
from rapporteur.text.analyzer import slugify
from service.search.engine import SearchEngine

FILES = ("report", "scan", "docx", "odt", "web")


def _norm(text: str) -> str:
    return " ".join(text.split())


def _queries() -> dict[str, tuple[str, int | None]]:
    """A distinctive passage of each file and the page it is on (None for files without pages)."""
    docs = document_fixtures.documents()
    scan_page_2 = docs["scan"].with_suffix(".txt").read_text(encoding="utf-8").split("\f")[1]
    web = document_fixtures.truth(docs["web"])["paragraphs"][2]
    docx = [t for k, t in document_fixtures.office_outline(5) if k == "p"][1]
    odt = [t for k, t in document_fixtures.office_outline(6) if k == "p"][1]
    return {
        "report": (document_fixtures.CROSS_COLUMN_SENTENCE, 2),
        "scan": (" ".join(scan_page_2.split()[40:75]), 2),
        "docx": (docx, None),
        "odt": (odt, None),
        "web": (web, None),
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path], list[str]]:
    """The corpus and its index, built once; the OCR cache starts from the session's reading of
    the scan, so that tesseract runs once per test session."""
    base = tmp_path_factory.mktemp("formats")
    corpus = base / "corpus"
    corpus.mkdir()
    docs = document_fixtures.documents()
    files = {name: Path(shutil.copy(docs[name], corpus / docs[name].name)) for name in FILES}
    if ocr.ocr_available():
        shutil.copytree(document_fixtures.scan_reading().cache, base / "index" / "cache" / "ocr")
    runs = ocr.stats.runs
    try:
        with indexer_warnings() as messages:
            report = build_index(corpus, base / "index", HashingEmbedder())
    finally:
        ocr.set_cache_dir(None)
    assert report.skipped == [] and report.documents == len(FILES)
    assert ocr.stats.runs == runs, "the scan's pages came from the OCR cache"
    return base / "index", files, messages


@pytest.mark.skipif(not ocr.ocr_available(), reason="tesseract with French data is not installed")
@pytest.mark.parametrize("name", FILES)
def test_each_file_is_found_first_on_its_page(built, name: str):
    index, files, _ = built
    engine = SearchEngine.from_path(index, HashingEmbedder())
    query, page = _queries()[name]
    hits = engine.search(query, k=5, mode="lexical").hits
    assert hits and hits[0].citation.document_id == slugify(files[name].stem)
    assert hits[0].citation.page == page


@pytest.mark.skipif(not ocr.ocr_available(), reason="tesseract with French data is not installed")
def test_bundle_keeps_the_cross_column_sentence_whole_and_no_web_boilerplate(built):
    index, files, _ = built
    bundle = load_bundle(index)
    report = [c.text for c in bundle.chunks if c.doc_id == slugify(files["report"].stem)]
    assert any(document_fixtures.CROSS_COLUMN_SENTENCE in _norm(text) for text in report)
    web = [c.text for c in bundle.chunks if c.doc_id == slugify(files["web"].stem)]
    assert web
    for text in web:
        for noise in (*document_fixtures.NAV_ITEMS[1:], "cookies", "Mentions légales", "Plan du site", "À lire aussi"):
            assert noise not in text
    assert "Partager" not in bundle.document(slugify(files["web"].stem)).text


@pytest.mark.skipif(not ocr.ocr_available(), reason="tesseract with French data is not installed")
def test_inferred_metadata_is_logged_per_file(built):
    index, files, messages = built
    for path in files.values():
        line = next(m for m in messages if str(path) in m and "; inferred " in m)
        assert "title=" in line and "manifest.toml" in line
    meta = load_bundle(index).document(slugify(files["scan"].stem)).meta
    assert (meta.organisation, meta.year, meta.kind, meta.territory) == (
        "Département de l'Ain",
        2023,
        "délibération",
        "dep:01",
    )


@pytest.mark.skipif(not ocr.ocr_available(), reason="tesseract with French data is not installed")
def test_a_rebuild_without_tesseract_reads_the_scan_from_the_cache(built, monkeypatch: pytest.MonkeyPatch, tmp_path):
    index, files, _ = built
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert not ocr.ocr_available()
    try:
        report = build_index(files["scan"].parent, index, HashingEmbedder(), force=True)
    finally:
        ocr.set_cache_dir(None)
    assert report.skipped == []
    query, _ = _queries()["scan"]
    assert query in _norm(load_bundle(index).document(slugify(files["scan"].stem)).text)

"""Issue 19, item 10: documents as printed, written apart from the project's other fixtures: a
two-column page drawn row by row, and a scanned deliberation whose decision runs over the page break."""

from __future__ import annotations

import functools

import document_fixtures
import pytest

from indexer import ocr
from indexer.chunking import chunk_text
from indexer.loaders import LoadedDocument, load_file
from indexer.sentences import sentence_spans
from rapporteur.bundle.model import page_at

needs_tesseract = pytest.mark.skipif(not ocr.ocr_available(), reason="tesseract with French data is not installed")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> LoadedDocument:
    return load_file(document_fixtures.lavoir_report_pdf(tmp_path_factory.mktemp("printed")))


@pytest.fixture(scope="module")
def deliberation(tmp_path_factory: pytest.TempPathFactory) -> LoadedDocument:
    if not ocr.ocr_available():
        pytest.skip("tesseract with French data is not installed")
    return load_file(document_fixtures.scanned_deliberation_pdf(tmp_path_factory.mktemp("scanned")))


def sentences(doc: LoadedDocument) -> list[str]:
    return [doc.text[s:e] for s, e in sentence_spans(doc.text)]


def test_the_sentences_of_a_two_column_page_drawn_row_by_row_are_whole(report: LoadedDocument):
    found = sentences(report)
    assert document_fixtures.LAVOIR_SENTENCE in found  # from column 1 into column 2
    assert document_fixtures.LAVOIR_WORKS in found  # two lines of column 2, not two paragraphs
    assert document_fixtures.LAVOIR_ROADS in found  # from page 1 into page 2


def test_a_two_page_report_loses_its_running_header_and_page_numbers(report: LoadedDocument):
    assert document_fixtures.LAVOIR_HEADER not in report.text
    assert "Page 1" not in report.text and "Page 2" not in report.text
    assert report.text.startswith("Patrimoine et cadre de vie\nLa commune a poursuivi")


def test_the_pages_of_a_two_page_report_are_where_they_were_printed(report: LoadedDocument):
    pages = functools.partial(page_at, report.page_starts)
    roads = report.text.index(document_fixtures.LAVOIR_ROADS)
    assert pages(roads) == 1 and pages(report.text.index("montant de 126 000 euros")) == 2
    assert pages(report.text.index("La cantine sert")) == 2


def test_a_passage_cites_the_pages_it_runs_over(report: LoadedDocument):
    chunks = chunk_text("lavoir", report.text, page_at=functools.partial(page_at, report.page_starts))
    roads = next(c for c in chunks if document_fixtures.LAVOIR_ROADS in c.text)
    assert (roads.page, roads.page_end) == (1, 2)
    break_at = report.page_starts[1]
    for chunk in chunks:
        assert (chunk.page, chunk.page_end) == (1 if chunk.start < break_at else 2, 1 if chunk.end <= break_at else 2)


@needs_tesseract
def test_a_scanned_decision_over_the_page_break_is_one_sentence_citing_both_pages(deliberation: LoadedDocument):
    assert document_fixtures.CANTEEN_SENTENCE in sentences(deliberation)
    price = deliberation.text.index(document_fixtures.CANTEEN_PRICE)
    assert page_at(deliberation.page_starts, price) == 2
    assert page_at(deliberation.page_starts, deliberation.text.index(document_fixtures.CANTEEN_SENTENCE)) == 1
    pages = functools.partial(page_at, deliberation.page_starts)
    chunks = chunk_text("deliberation", deliberation.text, page_at=pages)
    holding = [c for c in chunks if document_fixtures.CANTEEN_PRICE in c.text]
    assert holding and all(c.page_end == 2 for c in holding)
    assert any(c.page == 1 and document_fixtures.CANTEEN_SENTENCE in c.text for c in holding)

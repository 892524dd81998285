"""Issue 19, items 10 and 11, end to end: a two-column report drawn row by row (tests/document_fixtures.py
`lavoir_report_pdf`), indexed with the hashing embedder, asked in process and over HTTP."""

from __future__ import annotations

from pathlib import Path

import document_fixtures
import pytest
from apitools import api_settings, running

from indexer.build import build_index
from rapporteur.bundle.store import load_bundle
from rapporteur.embedders.hashing import HashingEmbedder
from service.search.demo import format_citation
from service.search.engine import SearchEngine

QUESTION = "subvention pour la restauration du lavoir communal de Saint-Ours-les-Roches"
DOCUMENT = "saint-ours-rapport-2023"
MANIFEST = f"""
[documents.{DOCUMENT}]
file = "rapport_lavoir.pdf"
title = "Rapport d'activité 2023 de la commune de Saint-Ours-les-Roches"
organisation = "Commune de Saint-Ours-les-Roches"
organisation_type = "commune"
territory = "com:63381"
year = 2023
kind = "rapport d'activité"
"""


@pytest.fixture(scope="module")
def printed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("printed")
    corpus = base / "corpus"
    document_fixtures.lavoir_report_pdf(corpus).with_suffix(".truth.json").unlink()
    (corpus / "manifest.toml").write_text(MANIFEST, encoding="utf-8")
    build_index(corpus, base / "index", HashingEmbedder())
    return base / "index"


def test_the_sentence_table_holds_the_sentence_from_column_1_into_column_2(printed_index: Path):
    bundle = load_bundle(printed_index)
    sentences = [bundle.sentence_text(i) for i in range(len(bundle.sentences))]
    assert document_fixtures.LAVOIR_SENTENCE in sentences
    assert document_fixtures.LAVOIR_ROADS in sentences  # over the page break


def test_ask_reads_out_the_whole_sentence_with_the_amount(printed_index: Path):
    result = SearchEngine.from_path(printed_index, HashingEmbedder()).ask(QUESTION)
    assert result.answer is not None, result.no_answer
    assert result.answer.text == document_fixtures.LAVOIR_SENTENCE
    assert (result.answer.citation.page, result.answer.citation.page_end) == (1, 1)


def test_each_passage_cites_the_pages_it_runs_over(printed_index: Path):
    bundle = load_bundle(printed_index)
    break_at = bundle.document(DOCUMENT).page_starts[1]
    cited = {}
    for i, chunk in enumerate(bundle.chunks):
        citation = bundle.citation(i)
        assert (citation.page, citation.page_end) == (chunk.page, chunk.page_end)
        cited[chunk.text] = (chunk.page, chunk.page_end)
        assert (chunk.page, chunk.page_end) == (1 if chunk.start < break_at else 2, 1 if chunk.end <= break_at else 2)
    roads = next(text for text in cited if document_fixtures.LAVOIR_ROADS in text)
    assert cited[roads] == (1, 2)
    first = next(i for i, chunk in enumerate(bundle.chunks) if chunk.text == roads)
    assert format_citation(bundle.citation(first)).endswith(
        f"Voirie et réseaux · p. 1–2 · [{DOCUMENT} {roads_span(bundle, first)}]"
    )


def roads_span(bundle, chunk: int) -> str:
    return f"{bundle.chunks[chunk].start}–{bundle.chunks[chunk].end}"


def test_over_http_citations_carry_their_page_range(printed_index: Path):
    with running(api_settings(printed_index)) as client:
        body = client.post("/v1/ask", json={"question": QUESTION}).json()
        assert body["answer"]["text"] == document_fixtures.LAVOIR_SENTENCE
        assert (body["answer"]["citation"]["page"], body["answer"]["citation"]["page_end"]) == (1, 1)
        roads = next(p for p in body["passages"] if document_fixtures.LAVOIR_ROADS in p["text"])
        assert (roads["citation"]["page"], roads["citation"]["page_end"]) == (1, 2)
        span = client.get(roads["citation"]["url"]).json()["span"]
        assert (span["page"], span["page_end"]) == (1, 2)
        price = client.get("/v1/search", params={"q": "montant 126 000 euros route des Granges"}).json()
        assert any(r["citation"]["page_end"] == 2 for r in price["results"])


def test_a_year_the_passages_state_is_not_refused_as_a_period_not_covered(printed_index: Path):
    """Item 11: the 2023 report says the lavoir was listed in 1987; the period check alone refused."""
    engine = SearchEngine.from_path(printed_index, HashingEmbedder())
    result = engine.ask("Quel lavoir a été classé en 1987 ?")
    assert result.no_answer is None and result.answer is not None
    assert result.answer.text == document_fixtures.LAVOIR_SENTENCE
    refused = engine.ask("Combien a coûté la route des Granges en 2019 ?")  # no passage gives 2019
    assert refused.no_answer is not None and refused.no_answer.reason == "period_not_covered"

"""The document catalogue (service/search/documents.py) of the tiny bundle: summaries with counts,
facets for the filters, and spans with whole-word context, their section and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapporteur.bundle.store import load_bundle
from service.search.documents import DocumentCatalog, SpanError


@pytest.fixture(scope="module")
def catalog(tiny_index: Path) -> DocumentCatalog:
    return DocumentCatalog(load_bundle(tiny_index))


def test_summaries_give_the_metadata_and_sizes(catalog: DocumentCatalog, tiny_index: Path) -> None:
    bundle = load_bundle(tiny_index)
    ville = catalog.summaries["ville-test-2023"]
    assert (ville.title, ville.organisation, ville.organisation_type) == (
        "Rapport d'activité 2023 de la Ville de Testville",
        "Ville de Testville",
        "commune",
    )
    assert (ville.territory, ville.year, ville.pages) == ("com:99999", 2023, None)  # markdown has no pages
    for summary in catalog.summaries.values():
        assert summary.characters == len(bundle.document(summary.document_id).text)
    assert sum(s.chunks for s in catalog.summaries.values()) == len(bundle.chunks)
    assert catalog.summaries["departement-test-2022"].chunks == 2


def test_facets_count_documents_most_frequent_first(catalog: DocumentCatalog) -> None:
    assert catalog.facets == {
        "organisation": [("Département du Test", 1), ("Ville de Testville", 1)],
        "year": [(2022, 1), (2023, 1)],
        "kind": [("rapport d'activité", 2)],
    }


def test_a_span_comes_with_whole_words_around_it_and_its_section(catalog: DocumentCatalog) -> None:
    text = catalog.text("ville-test-2023")
    start = text.index("police municipale")
    span = catalog.span("ville-test-2023", start, start + len("police municipale"), 12)
    assert span.text == "police municipale" and (span.start, span.end) == (start, start + 17)
    assert span.context_before == "La "  # « …publique\n\nLa »: the line break bounds a word too
    assert span.context_after == " a réalisé 1"  # 12 characters, ending at a word's end
    assert text[span.context_start : span.context_end] == span.context_before + span.text + span.context_after
    assert span.section == "Rapport d'activité 2023 › Sécurité et tranquillité publique"
    assert span.page is None


@pytest.mark.parametrize("context", [0, 1, 5, 30, 400])
def test_the_context_never_starts_or_ends_inside_a_word(catalog: DocumentCatalog, context: int) -> None:
    text = catalog.text("departement-test-2022")
    start = text.index("allocation")
    span = catalog.span("departement-test-2022", start, start + len("allocation personnalisée"), context)
    lo, hi = span.context_start, span.context_end
    assert lo <= start and hi >= span.end
    assert len(span.context_before) <= context and len(span.context_after) <= context
    assert lo == start or lo == 0 or text[lo - 1].isspace()
    assert hi == span.end or hi == len(text) or text[hi].isspace()


def test_one_bound_alone_runs_to_the_end_or_from_the_start(catalog: DocumentCatalog) -> None:
    text = catalog.text("departement-test-2022")
    assert catalog.span("departement-test-2022", None, 7, 0).text == "RAPPORT"
    tail = catalog.span("departement-test-2022", len(text) - 8, None, 0)
    assert tail.text == "d'euros." and tail.end == len(text)


def test_a_span_outside_its_document_is_refused_in_french(catalog: DocumentCatalog) -> None:
    length = len(catalog.text("ville-test-2023"))
    with pytest.raises(SpanError, match="supérieur à « start »"):
        catalog.span("ville-test-2023", 10, 10, 0)
    with pytest.raises(SpanError, match=f"dépasse la fin du document \\({length} caractères\\)"):
        catalog.span("ville-test-2023", 0, length + 1, 0)
    assert catalog.text("inconnu") is None

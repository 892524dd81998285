"""The documents of a loaded bundle as the API shows them: their metadata with counts, facets for
the filters, and a span of one with the text around it. Built once per bundle (`DocumentCatalog`)."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from rapporteur.bundle.store import Bundle

_SPACE = re.compile(r"\s+")
_LAST_SPACE = re.compile(r"\s+(?=\S*$)")  # the last run of white space (of the searched range)


@dataclass(frozen=True)
class DocumentSummary:
    """Metadata of one document, with its size."""

    document_id: str
    title: str
    organisation: str | None
    organisation_type: str | None
    territory: str | None
    year: int | None
    kind: str | None
    source_url: str | None
    characters: int
    chunks: int
    pages: int | None


@dataclass(frozen=True)
class DocumentSpan:
    """A span of a document, the text around it (whole words), its section and the pages it runs over."""

    start: int
    end: int
    text: str
    context_before: str
    context_after: str
    context_start: int
    context_end: int
    section: str | None
    page: int | None
    page_end: int | None


class SpanError(ValueError):
    """A span that does not lie in its document (the message is French, for the API)."""


class DocumentCatalog:
    """Summaries and facets of a bundle's documents, and spans of their text."""

    def __init__(self, bundle: Bundle) -> None:
        self._bundle = bundle
        stats = {d["id"]: d for d in bundle.manifest.get("documents", [])}
        chunks_per_doc = np.bincount(bundle.chunk_doc, minlength=len(bundle.documents))
        self.summaries: dict[str, DocumentSummary] = {}
        for i, doc in enumerate(bundle.documents):
            meta, extra = doc.meta, stats.get(doc.meta.id, {})
            self.summaries[meta.id] = DocumentSummary(
                document_id=meta.id,
                title=meta.title,
                organisation=meta.organisation,
                organisation_type=meta.organisation_type,
                territory=meta.territory,
                year=meta.year,
                kind=meta.kind,
                source_url=meta.source_url,
                characters=int(bundle.document_spans[i, 2]),
                chunks=int(chunks_per_doc[i]),
                pages=len(doc.page_starts) if doc.page_starts else extra.get("pages"),
            )
        summaries = list(self.summaries.values())
        self.facets: dict[str, list[tuple[str | int, int]]] = {
            "organisation": _facet([s.organisation for s in summaries]),
            "year": _facet([s.year for s in summaries]),
            "kind": _facet([s.kind for s in summaries]),
        }
        # Documents without headings: the section of a span is that of the passage it falls in.
        table = bundle.chunks.table
        self._chunk_starts: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for d in range(len(bundle.documents)):
            rows = np.flatnonzero(table[:, 0] == d) if not bundle.documents[d].sections else np.zeros(0, np.int64)
            if len(rows):
                self._chunk_starts[d] = (table[rows, 1], rows)

    def text(self, document_id: str) -> str | None:
        doc = self._bundle.document(document_id)
        return None if doc is None else doc.text

    def section_at(self, doc: int, offset: int) -> str | None:
        """Section path governing `offset` (from the document's headings, else from its passages)."""
        if self._bundle.documents[doc].sections:
            return self._bundle.section_at(doc, offset) or None
        starts, rows = self._chunk_starts.get(doc, (np.zeros(0, np.int64), np.zeros(0, np.int64)))
        position = bisect.bisect_right(starts.tolist(), offset) - 1
        return (self._bundle.chunks[int(rows[position])].section or None) if position >= 0 else None

    def span(self, document_id: str, start: int | None, end: int | None, context: int) -> DocumentSpan:
        """[start, end) of the document (one bound alone runs to its end or from its start), with up
        to `context` characters either side, whole words only (white space, line breaks included,
        bounds a word). SpanError when it lies outside."""
        doc = self._bundle.doc_index[document_id]
        text = self._bundle.documents[doc].text
        start = 0 if start is None else start
        end = len(text) if end is None else end
        if end <= start:
            raise SpanError("Requête invalide : « end » doit être supérieur à « start ».")
        if end > len(text):
            raise SpanError(f"Requête invalide : le passage dépasse la fin du document ({len(text)} caractères).")
        lo, hi = max(0, start - context), min(len(text), end + context)
        if lo > 0 and not text[lo - 1].isspace():  # lo inside a word: the context starts after it
            space = _SPACE.search(text, lo, start)
            lo = space.end() if space else start  # no whole word fits: no context before
        if hi < len(text) and not text[hi].isspace():  # hi inside a word: the context ends before it
            space = _LAST_SPACE.search(text, end, hi)
            hi = space.start() if space else end  # no whole word fits: no context after
        return DocumentSpan(
            start=start,
            end=end,
            text=text[start:end],
            context_before=text[lo:start],
            context_after=text[end:hi],
            context_start=lo,
            context_end=hi,
            section=self.section_at(doc, start),
            page=self._bundle.page_at(doc, start),
            page_end=self._bundle.page_at(doc, end - 1),
        )


def _facet(values: list[str | int | None]) -> list[tuple[str | int, int]]:
    counts = Counter(v for v in values if v is not None)
    return sorted(counts.items(), key=lambda vn: (-vn[1], str(vn[0])))
